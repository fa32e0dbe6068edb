export { DEFAULT_ALPHA, LatencySketch, MAX_TRACKABLE_MS, MIN_TRACKABLE_MS } from './latency-sketch.ts';
