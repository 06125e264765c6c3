package dev.earnings.examples.host;

import dev.earnings.jdbc.EarningsEvent;
import dev.earnings.jdbc.webhook.WebhookHeaders;
import dev.earnings.jdbc.webhook.WebhookSignatureException;
import dev.earnings.jdbc.webhook.WebhookVerifier;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of the app's webhooks, as another service would run it: each request is
 * verified ({@link WebhookVerifier}: signed with the shared secret, over this body and timestamp,
 * within five minutes of the receiver's clock) before anything is read from it, and each event is
 * taken once, by its id, however often it comes.
 *
 * <p>What it takes it keeps in memory, the last {@value #KEPT}, for the admin page; a real
 * receiver would act on them (notify the creator, update its books) where this one keeps them.
 * The ids of the last {@value #REMEMBERED_IDS} events are remembered for recognising repeats: the
 * sender repeats an event only within its retries, so this covers any that come again.
 */
final class WebhookReceiver {
    /** Events kept for the admin page. */
    static final int KEPT = 50;
    /** Event ids remembered for recognising a repeat. */
    static final int REMEMBERED_IDS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(WebhookReceiver.class);

    /** An event taken, and when. */
    record Received(EarningsEvent event, Instant receivedAt) {
    }

    private final WebhookVerifier verifier;
    private final Clock clock;
    private final Map<String, Boolean> seen = new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_IDS;
        }
    };
    private final Recent<Received> recent = new Recent<>(KEPT);
    private final AtomicLong repeats = new AtomicLong();

    /**
     * @param secret the secret shared with the sender
     * @param clock the clock timestamps are checked against
     */
    WebhookReceiver(byte[] secret, Clock clock) {
        this.verifier = WebhookVerifier.of(secret).clock(clock);
        this.clock = clock;
    }

    /**
     * Verifies one request and takes its event, unless it was taken before.
     *
     * @param eventId the {@value WebhookHeaders#EVENT_ID} header
     * @param timestamp the {@value WebhookHeaders#TIMESTAMP} header
     * @param signature the {@value WebhookHeaders#SIGNATURE} header
     * @param body the body as received
     * @return whether the event was new; {@code false} for a repeat, which is answered as taken
     * @throws HttpError 401 naming the header at fault if the request is not signed with the
     *     secret or not recently; 400 if a genuine body is no event, or the id header is not its id
     */
    boolean receive(@Nullable String eventId, @Nullable String timestamp, @Nullable String signature, byte[] body) {
        EarningsEvent event;
        try {
            event = verifier.verifyEvent(timestamp, signature, body);
        } catch (WebhookSignatureException e) {
            // The reason only: the headers and the body are the sender's, whoever that was.
            LOG.warn("webhook refused: {}", e.reason());
            if (e.reason() == WebhookSignatureException.Reason.UNREADABLE_BODY) {
                throw new HttpError(400, "body", e.getMessage());
            }
            String header = e.getMessage().startsWith(WebhookHeaders.TIMESTAMP) ? WebhookHeaders.TIMESTAMP
                    : WebhookHeaders.SIGNATURE;
            throw new HttpError(401, header, e.getMessage());
        }
        if (!event.id().equals(eventId)) {
            throw new HttpError(400, WebhookHeaders.EVENT_ID, WebhookHeaders.EVENT_ID + " is not the id of the event"
                    + " in the signed body");
        }
        synchronized (seen) {
            if (seen.put(event.id(), Boolean.TRUE) != null) {
                repeats.incrementAndGet();
                return false;
            }
        }
        recent.add(new Received(event, clock.instant()));
        return true;
    }

    /** The events taken, newest first. */
    List<Received> received() {
        return recent.newestFirst();
    }

    /** How many requests brought an event already taken, and were answered without taking it again. */
    long repeats() {
        return repeats.get();
    }
}
