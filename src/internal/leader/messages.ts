/**
 * What election machines tell each other. Every message carries the
 * sender's current term; a member that sees a higher term than its own
 * adopts it and follows (except in a pre-vote, which asks a question and
 * changes nothing).
 *
 * @internal
 */

/** A message between two members' election machines. */
export type ElectionMessage =
  /**
   * Would you vote for me in `term + 1`? Sent before a real election so a
   * member that merely lost a few heartbeats cannot push the term up and
   * unseat a leader everyone else still hears. `size`: how many members the
   * asker sees alive, itself included (its quorum is a majority of that).
   */
  | { readonly _tag: "PreVote"; readonly term: number; readonly size: number }
  /** The answer to a pre-vote asked at `round` (the asker's term then); `term` is the voter's own. */
  | { readonly _tag: "PreVoteReply"; readonly term: number; readonly round: number; readonly granted: boolean }
  /** Vote for me in `term`; `size` as in `PreVote`. */
  | { readonly _tag: "Vote"; readonly term: number; readonly size: number }
  /** The answer to a vote request; `term` is the voter's term after it. */
  | { readonly _tag: "VoteReply"; readonly term: number; readonly granted: boolean }
  /** I lead `term`. */
  | { readonly _tag: "Heartbeat"; readonly term: number }
  /** Your heartbeat named an old term: mine is `term`. */
  | { readonly _tag: "Stale"; readonly term: number }
