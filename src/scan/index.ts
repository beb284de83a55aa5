/** The scanner's public surface: walk the roots, explain the filters. */
export { walk } from './walk.js';
export { explainFilters, type FilterExplanation } from './explain-filters.js';
export { ScanRootError, ScanFilterError } from './scan-errors.js';
export type { ScanItem, ScanOptions } from './scan-options.js';
export type { LocalFile, ScanNotice } from './local-file.js';
