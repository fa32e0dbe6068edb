export { evaluateHealth, type HealthAlert, type HealthOptions, healthHttpStatus } from './evaluate.ts';
export { renderVerboseHealth } from './verbose.ts';
