#!/usr/bin/env node
// React picks its development or production build when first loaded, from NODE_ENV: set it before
// anything imports React (the development build costs every frame of the console).
process.env.NODE_ENV ??= 'production';
await import('./cli.js');
