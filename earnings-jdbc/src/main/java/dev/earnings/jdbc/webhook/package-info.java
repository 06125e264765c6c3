/**
 * Webhooks: events delivered to another service over HTTP, signed, and the check a receiver runs
 * on them. {@link dev.earnings.jdbc.webhook.WebhookSender} is an {@link dev.earnings.jdbc.EventHandler}
 * that posts each event to one endpoint; {@link dev.earnings.jdbc.webhook.WebhookVerifier} is
 * what a receiver written in Java runs on each request. {@link dev.earnings.jdbc.webhook.WebhookHeaders}
 * describes the request exactly, for receivers written in anything else.
 *
 * <p>Every parameter and return value is non-null unless it is marked {@code @Nullable};
 * absence is expressed with {@link java.util.Optional}.
 */
@NullMarked
package dev.earnings.jdbc.webhook;

import org.jspecify.annotations.NullMarked;
