#!/usr/bin/env node
// The compiled entry; `pnpm install` (workspace) or `prepack` (package) builds it.
import '../dist/cli/main.js';
