/** Notifier port: deliver a chat message to the operators' channel (a Slack-compatible incoming webhook). */

/** A chat message in Slack's incoming-webhook JSON: fallback text plus optional Block Kit blocks. */
export interface ChatMessage {
  text: string;
  blocks?: Record<string, unknown>[];
}

/** The notifier. `send` resolves once the channel accepted the message; errors carry `retryable`. */
export interface Notifier {
  send(message: ChatMessage): Promise<void>;
}
