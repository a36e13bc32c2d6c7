/**
 * The application layer: the rules of every operation, one file each, over the ports in `ports.ts`. The
 * CLI and the extension call these and nothing below them, so a rule is enforced in one place.
 */
export type {
  AppContext,
  AuditSink,
  Cancellable,
  CommittedVersion,
  DirEntry,
  FileAccess,
  HistoryHead,
  HistoryWitness,
  KeyAcceptance,
  OrganisationDirectory,
  OrganisationHead,
  OrganisationKey,
  OrganisationPins,
  PinStore,
  ReadHandle,
  TokenSource,
  VersionMemory,
  WitnessService,
  WorkspaceStore,
} from './ports.js';
export {
  accessEntries,
  actionRefusal,
  expiryRefusal,
  inspect,
  mayAcceptRestore,
  mayChangeExpiry,
  mayDo,
  restoreRefusal,
  type AccessEntry,
  type FileAction,
  type PolicyVersionView,
  type ProtectedInfo,
  type SignerView,
} from './inspect.js';
export { protect, grantRequests, type GrantSpec, type ProtectRequest } from './protect.js';
export { unprotect } from './unprotect.js';
export { open, openTo, type Opened } from './open.js';
export { save, type SaveOptions } from './save.js';
export { setExpiry } from './expiry.js';
export { acceptRestore, type RestoreOptions } from './restore.js';
export { migrate } from './migrate.js';
export { relate, replacesOrganisationHead, rollbackError, witnessedHead, type Relation, type Standing, type Witness } from './versions.js';
export { judgeWitnessHead, judgeWitnessReceipts } from './witness.js';
export { grant } from './grant.js';
export { revoke } from './revoke.js';
export {
  labeledDocument,
  labeledPlain,
  labelOf,
  plainLabelOf,
  removeFileLabel,
  setFileLabel,
  type LabelApplied,
  type LabeledFile,
  type SetFileLabelOptions,
} from './label.js';
export { MARKING_SIZE_LIMIT, type MarkingOutcome } from './markings.js';
export { isDocumentPath, labelInsideBytes, type LabelInside } from './document-label.js';
export { list, type Listing, type UnreadableFile } from './list.js';
export { addToPeople } from './people.js';
export { certifiedPerson, findGrantee, type CertifiedPerson } from './directory.js';
export { merge, type MergeOutcome, type MergeRequest, type MergeSides, type TextMerge } from './merge.js';
export { keepLabelAfterPaste, labelCopy, moveLabel, pasteOutcome, type PasteOutcome } from './follow.js';
export { openVersion } from './open-version.js';
export { checkPerson, replacePinnedKey, reviewKeyChange, trustPeople, type KeyChange, type KeySide, type PersonCheck, type PinOptions } from './trust.js';
export {
  acceptedOrganisation,
  acceptedRecovery,
  acceptWorkspaceKeys,
  organisationOf,
  reviewWorkspaceKeys,
  type AcceptedOrganisation,
  type WorkspaceKeysReview,
} from './workspace-keys.js';
