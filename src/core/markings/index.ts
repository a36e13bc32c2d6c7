/** Content markings in text files: the comment syntax of each file kind, and writing, finding and removing header and footer lines. */
export { commentStyleOf, type CommentStyle } from './comments.js';
export { applyMarkings, FOOTER_TAG, HEADER_TAG, type MarkingText, type MarkResult, type MarkSkip } from './text.js';
