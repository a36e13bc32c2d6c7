/** The labels manifest of plain files (`.sensitivity/labels.json`). */
export {
  EMPTY_MANIFEST,
  getLabel,
  normalizeRelPath,
  parseManifest,
  removeLabel,
  removePath,
  renamePath,
  serializeManifest,
  setLabel,
  type LabelActor,
  type LabelChange,
  type LabelDirection,
  type LabelRemoval,
  type LabelsManifest,
  type ManifestEntry,
  type SetLabelOptions,
} from './manifest.js';
