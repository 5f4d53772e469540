/**
 * Where a case's attachment is served: under the case, so reaching the bytes
 * asks the case rule (hub/auth/case-visibility.ts) first. A blob is
 * content-addressed and two cases may hold the same bytes, so its SHA-256
 * alone names no case to check; it is never a URL. The FHIR export and the
 * case page link here.
 */
export function attachmentPath(c: { postId: string; caseId: string }, name: string): string {
  return `/api/posts/${encodeURIComponent(c.postId)}/cases/${encodeURIComponent(c.caseId)}/attachments/${encodeURIComponent(name)}`;
}
