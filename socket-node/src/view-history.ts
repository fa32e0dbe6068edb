import type { ClusterView } from '@telltale/shared';
import { withRates } from '@telltale/shared';

const RATE_SPAN_MS = 60_000;

/**
 * Recent views, so rates (`connections.rate.1m`, throughput) come from a baseline about a minute
 * old rather than from two views a few milliseconds apart.
 */
export class ViewHistory {
  private views: ClusterView[] = [];

  /** Fills the rates of `view` from the best baseline, then remembers it. */
  withRates(view: ClusterView): ClusterView {
    const baseline = this.baseline(view.generatedAt);
    const rated = withRates(view, baseline);
    this.views.push(view);
    this.views = this.views.filter((v) => view.generatedAt - v.generatedAt <= RATE_SPAN_MS * 1.5);
    return rated;
  }

  /** The newest view at least a minute old, else the oldest one kept. */
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
