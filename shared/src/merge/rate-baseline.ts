import type { ClusterView } from '../schema/cluster.ts';
import { withIntervalRates } from './interval-rates.ts';
import { withRates } from './rates.ts';

/** The span the `1m` rates average over. */
export const RATE_SPAN_MS = 60_000;

/**
 * Recent views, so rates (`connections.rate.1m`, throughput) come from a baseline about a minute
 * old rather than from two views a few milliseconds apart. The baseline is the newest view at
 * least a minute old, else the oldest one kept; never one from the same moment or later.
 */
export class RateBaseline {
  private views: ClusterView[] = [];

  /**
   * `slackMs`: how long past the span a view is kept after the newest one; at least a tick when
   * views come every tick, half a span by default for views built when a request asks.
   */
  constructor(private readonly slackMs: number = RATE_SPAN_MS / 2) {}

  /** Fills the rates of `view` (the `1m` ones from the best baseline, `interval` from each node's last flush) without keeping `view`. */
  rate(view: ClusterView): ClusterView {
    return withIntervalRates(withRates(view, this.baseline(view.generatedAt)), this.views);
  }

  /** Fills the rates of `view` from the best baseline, then keeps it as a later baseline. */
  rateAndKeep(view: ClusterView): ClusterView {
    const rated = this.rate(view);
    this.views.push(view);
    const cutoff = view.generatedAt - RATE_SPAN_MS - this.slackMs;
    this.views = this.views.filter((v) => v.generatedAt >= cutoff);
    return rated;
  }

  /** Views are kept oldest first, so the last one a minute old is the newest such. */
  private baseline(now: number): ClusterView | null {
    let best: ClusterView | null = null;
    for (const view of this.views) {
      if (view.generatedAt >= now) continue;
      if (now - view.generatedAt >= RATE_SPAN_MS) best = view;
      else if (!best) best = view;
    }
    return best;
  }
}
