import { z } from 'zod';

// The page's CSP has no 'unsafe-eval': without this, zod's first object parse probes
// `new Function` and every load files a (blocked) eval violation. Imported first by main.ts.
z.config({ jitless: true });
