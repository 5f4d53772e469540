/**
 * The live sessions of each post on the embedded broker, so the hub can cut
 * every one of them when the post is revoked or re-keyed. aedes keeps its own
 * client table by client id; this one is by post, and includes tool sessions.
 */
export type Closable = { close(): void };

export type SessionInfo = { postId: string; clientId: string; tool?: string; address: string };

export class PostSessions<C extends Closable> {
  private readonly byPost = new Map<string, Map<C, SessionInfo>>();

  add(client: C, info: SessionInfo): void {
    let sessions = this.byPost.get(info.postId);
    if (!sessions) this.byPost.set(info.postId, (sessions = new Map()));
    sessions.set(client, info);
  }

  remove(client: C, postId: string): void {
    const sessions = this.byPost.get(postId);
    if (!sessions) return;
    sessions.delete(client);
    if (sessions.size === 0) this.byPost.delete(postId);
  }

  list(postId?: string): SessionInfo[] {
    const groups = postId === undefined ? [...this.byPost.values()] : [this.byPost.get(postId) ?? new Map<C, SessionInfo>()];
    return groups.flatMap((g) => [...g.values()]);
  }

  /** Closes every session of the post; returns what was closed. */
  disconnect(postId: string): SessionInfo[] {
    const sessions = this.byPost.get(postId);
    if (!sessions) return [];
    this.byPost.delete(postId);
    for (const client of sessions.keys()) client.close();
    return [...sessions.values()];
  }
}
