package dev.earnings.jdbc.webhook;

/**
 * The headers of a webhook request, and what its signature covers, so that a receiver in any
 * language can check one.
 *
 * <p>Each event is one {@code POST} of {@code Content-Type: application/json}, its body a JSON
 * object:
 * <pre>{@code
 * {"id":"evt_…","type":"payout.completed","creatorId":"creator-ada","occurredAt":"2026-04-01T09:30:00.123456Z",
 *  "position":42,"data":{"payoutId":17,"amount":"25.000000000000","currency":"USD",…}}
 * }</pre>
 * where {@code type} is the {@linkplain dev.earnings.jdbc.EventType#wireName() wire name} and
 * {@code data} the event's payload, a JSON object whose fields each {@link dev.earnings.jdbc.EventType}
 * documents. The headers:
 * <ul>
 *   <li>{@value #EVENT_ID}: the event's id, the same on every attempt: a receiver that has seen it
 *       has handled the event, and answers 2xx again without handling it twice;
 *   <li>{@value #EVENT_TYPE}: the wire name, to route a request before reading its body;
 *   <li>{@value #TIMESTAMP}: when this attempt was made, in Unix seconds (decimal digits);
 *   <li>{@value #SIGNATURE}: {@code v1=} and the lower-case hex of HMAC-SHA256 under the shared
 *       secret of the UTF-8 bytes of the timestamp header's value, a dot ({@code .}), then the
 *       body's bytes exactly as received. During a rotation of the secret the header carries one
 *       {@code v1=} value per secret, separated by commas ({@code v1=…,v1=…}); one that matches
 *       is enough. Values of other schemes are ignored, so that a later scheme can be added.
 * </ul>
 *
 * <p>A receiver computes the MAC itself over the body it received (before parsing it), compares it
 * with each {@code v1} value in constant time, and refuses the request unless one matches and the
 * timestamp is within its tolerance of its own clock (five minutes by default), which keeps a
 * captured request from being replayed later. In Python, for instance:
 * <pre>{@code
 * signed = timestamp.encode() + b"." + body
 * expected = hmac.new(secret, signed, hashlib.sha256).hexdigest()
 * values = [v.strip()[3:] for v in signature.split(",") if v.strip().startswith("v1=")]
 * ok = any(hmac.compare_digest(expected, v) for v in values) and abs(time.time() - int(timestamp)) <= 300
 * }</pre>
 */
public final class WebhookHeaders {
    /** The event's id, the same on every attempt to deliver it: what receivers deduplicate by. */
    public static final String EVENT_ID = "Earnings-Event-Id";

    /** The event type's wire name, such as {@code payout.completed}. */
    public static final String EVENT_TYPE = "Earnings-Event-Type";

    /** When the attempt was made, in Unix seconds: part of what is signed, and checked against replays. */
    public static final String TIMESTAMP = "Earnings-Timestamp";

    /** One or more comma-separated {@code v1=} signatures of the timestamp and the body. */
    public static final String SIGNATURE = "Earnings-Signature";

    private WebhookHeaders() {
    }
}
