/** The hash-chained audit log (docs/AUDIT.md). */
export {
  AUDIT_ACTIONS,
  createAuditEntry,
  GENESIS as AUDIT_GENESIS,
  hashLine as auditLineHash,
  isSecretDetailName,
  parseAuditLog,
  readAuditLines,
  tornLineRepair,
  verifyAuditLog,
  type AuditAction,
  type AuditActor,
  type AuditEntry,
  type AuditEvent,
  type AuditVerification,
  type JsonValue,
} from './audit.js';
