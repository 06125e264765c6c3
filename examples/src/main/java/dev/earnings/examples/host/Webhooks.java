package dev.earnings.examples.host;

import dev.earnings.jdbc.DeadLetter;
import dev.earnings.jdbc.EarningsEvent;
import dev.earnings.jdbc.EventConsumer;
import dev.earnings.jdbc.EventConsumerStatus;
import dev.earnings.jdbc.Events;
import dev.earnings.jdbc.webhook.WebhookAttempt;
import dev.earnings.jdbc.webhook.WebhookSender;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The app's webhooks: a consumer named {@value #CONSUMER} whose handler is a {@link WebhookSender}
 * posting every event, signed, to the receiver the settings name (the app's own
 * {@link WebhookReceiver} by default), and what the admin page shows of it: the last
 * {@value #KEPT_ATTEMPTS} delivery attempts, the consumer's status and dead letters, the events the
 * built-in receiver took, and a replay of the dead letters.
 *
 * <p>The consumer starts at the oldest event kept, so that the demo data's events (tiers reached,
 * payouts, the refund) are delivered on the first start; later starts go on from its stored
 * cursor. A failing event is tried {@link WebhookSettings#maxAttempts()} times, then set aside as a
 * dead letter until an admin replays it.
 */
final class Webhooks implements AutoCloseable {
    /** The consumer's name, which names its stored cursor. */
    static final String CONSUMER = "webhooks";
    /** Delivery attempts kept for the admin page. */
    static final int KEPT_ATTEMPTS = 50;
    /** Dead letters listed at the most; the count is of all of them. */
    static final int LISTED_DEAD_LETTERS = 100;
    /** How long the consumer waits after a round that found nothing new. */
    static final Duration POLL_INTERVAL = Duration.ofMillis(500);

    private final Events events;
    private final WebhookSettings settings;
    private final URI endpoint;
    private final WebhookReceiver receiver;
    private final Recent<WebhookAttempt> attempts = new Recent<>(KEPT_ATTEMPTS);
    /** The sender's HTTP client's threads, stopped on close (the JDK 17 client has no close of its own). */
    private final ExecutorService http;
    private final WebhookSender sender;
    private final Function<String, Object> payloads;
    private volatile @Nullable EventConsumer consumer;

    /**
     * Builds the sender and the receiver; {@link #start()} starts delivering.
     *
     * @param events the library's events
     * @param settings where to deliver, the secret and the retries
     * @param ownReceiver the URL of the app's own receiver, used unless the settings name another
     * @param clock the clock the signatures' timestamps are read from and checked against
     * @param payloads reads an event's payload as JSON, decimals exact
     */
    Webhooks(Events events, WebhookSettings settings, URI ownReceiver, Clock clock, Function<String, Object> payloads) {
        this.events = events;
        this.settings = settings;
        this.endpoint = settings.endpoint().orElse(ownReceiver);
        this.receiver = new WebhookReceiver(settings.secret(), clock);
        this.payloads = payloads;
        AtomicInteger threads = new AtomicInteger();
        this.http = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "host-webhooks-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.sender = WebhookSender.builder(endpoint, settings.secret()).clock(clock).onAttempt(attempts::add)
                .httpClient(HttpClient.newBuilder().executor(http).connectTimeout(WebhookSender.DEFAULT_CONNECT_TIMEOUT)
                        .followRedirects(HttpClient.Redirect.NEVER).build())
                .build();
    }

    /** Starts the consumer; the receiver must be listening by now, or the first attempts fail and are retried. */
    void start() {
        consumer = events.consumer(CONSUMER, sender).startFrom(EventConsumer.Start.BEGINNING)
                .retries(settings.maxAttempts(), settings.firstBackoff(), settings.maxBackoff())
                .pollInterval(POLL_INTERVAL).start();
    }

    WebhookReceiver receiver() {
        return receiver;
    }

    /** Stops the consumer (the event being sent is finished first), then the sender's HTTP threads. */
    @Override
    public void close() {
        EventConsumer running = consumer;
        if (running != null) {
            running.close();
        }
        http.shutdownNow();
    }

    // ------------------------------------------------------------------ what the admin page shows

    /** The last delivery attempts, newest first, and where they went. */
    Map<String, Object> deliveries() {
        List<Map<String, Object>> items = new ArrayList<>();
        for (WebhookAttempt a : attempts.newestFirst()) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("eventId", a.eventId());
            item.put("type", a.type().wireName());
            item.put("attemptedAt", a.attemptedAt().toString());
            item.put("durationMicros", a.duration().toNanos() / 1_000);
            item.put("status", a.status().isPresent() ? a.status().getAsInt() : null);
            item.put("failure", a.failure().orElse(null));
            item.put("succeeded", a.succeeded());
            items.add(item);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("consumer", CONSUMER);
        out.put("endpoint", shown(endpoint));
        out.put("builtInReceiver", settings.endpoint().isEmpty());
        out.put("items", items);
        return out;
    }

    /** The events the built-in receiver took, newest first, with their payloads as JSON. */
    Map<String, Object> received() {
        List<Map<String, Object>> items = new ArrayList<>();
        for (WebhookReceiver.Received r : receiver.received()) {
            Map<String, Object> item = event(r.event());
            item.put("receivedAt", r.receivedAt().toString());
            items.add(item);
        }
        return Map.of("items", items, "repeats", receiver.repeats());
    }

    /** How far behind the consumer is, and its dead letters, oldest first (the first {@value #LISTED_DEAD_LETTERS}). */
    Map<String, Object> status() {
        Optional<EventConsumerStatus> status = events.status(CONSUMER);
        EventConsumer running = consumer;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("consumer", CONSUMER);
        out.put("running", running != null && running.isRunning());
        out.put("pending", status.map(EventConsumerStatus::pending).orElse(0L));
        out.put("retryingLanes", status.map(EventConsumerStatus::retryingLanes).orElse(0));
        out.put("lastError", status.flatMap(EventConsumerStatus::lastError).orElse(null));
        List<DeadLetter> letters = events.deadLetters(CONSUMER);
        List<Map<String, Object>> dead = new ArrayList<>();
        for (DeadLetter d : letters.subList(0, Math.min(letters.size(), LISTED_DEAD_LETTERS))) {
            Map<String, Object> item = event(d.event());
            item.put("attempts", d.attempts());
            item.put("failedAt", d.failedAt().toString());
            item.put("error", d.error());
            dead.add(item);
        }
        out.put("deadLetterCount", letters.size());
        out.put("deadLetters", dead);
        return out;
    }

    /**
     * Hands every dead letter to the sender again, now, in the calling thread.
     *
     * @return how many were delivered, and how many are still dead letters
     * @throws HttpError 503 if the consumer has not started
     */
    Map<String, Object> replay() {
        EventConsumer running = consumer;
        if (running == null) {
            throw new HttpError(503, "consumer", "the webhook consumer has not started");
        }
        int replayed = running.replayDeadLetters();
        return Map.of("replayed", replayed, "deadLetters", events.deadLetters(CONSUMER).size());
    }

    private Map<String, Object> event(EarningsEvent e) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("eventId", e.id());
        item.put("type", e.type().wireName());
        item.put("creatorId", e.creatorId());
        item.put("occurredAt", e.occurredAt().toString());
        item.put("position", e.position());
        item.put("data", payloads.apply(e.payload()));
        return item;
    }

    /** The endpoint as the sender's messages name it: scheme, host and port, never a path that may hold a token. */
    private static String shown(URI endpoint) {
        int port = endpoint.getPort() >= 0 ? endpoint.getPort() : "https".equalsIgnoreCase(endpoint.getScheme()) ? 443 : 80;
        return endpoint.getScheme() + "://" + endpoint.getHost() + ":" + port;
    }
}
