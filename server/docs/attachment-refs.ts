// Attachment bytes live in the blob store like chunks; a chunk reference under this key keeps
// them from the garbage collector while the attachment exists.

export function attachmentRefId(docId: string, name: string): string {
  // Ids and names never contain NUL, so this never equals a document id.
  return `\u0000attachment\u0000${docId}\u0000${name}`;
}
