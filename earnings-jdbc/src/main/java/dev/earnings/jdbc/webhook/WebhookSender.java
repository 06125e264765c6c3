package dev.earnings.jdbc.webhook;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.jdbc.EarningsEvent;
import dev.earnings.jdbc.EventHandler;
import dev.earnings.jdbc.EventType;
import dev.earnings.jdbc.internal.WebhookEnvelope;
import dev.earnings.jdbc.internal.WebhookSigning;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to one HTTP endpoint, signed, as an {@link EventHandler} a consumer runs, so that
 * another service learns of payouts, reversals and tiers without polling the library.
 *
 * <pre>{@code
 * WebhookSender sender = WebhookSender.builder(URI.create("https://hooks.example.com/earnings"), secret)
 *         .types(EventType.PAYOUT_COMPLETED, EventType.PAYOUT_FAILED)   // optional: all types by default
 *         .build();
 * }</pre>
 *
 * <p>Each {@link #handle} call makes <em>one</em> attempt: a {@code POST} of the event as JSON with
 * its id, a timestamp and an HMAC-SHA256 signature in headers (the format is on
 * {@link WebhookHeaders}). A 2xx answer delivers the event; any other answer, a timeout or a
 * failure to connect throws a {@link WebhookDeliveryException}. Retrying is the consumer's part:
 * it calls {@code handle} again with back-off, and finally sets the event aside as a dead letter,
 * while the creator's later events wait, so their order holds. Every attempt of one event sends
 * the same id and the same body, with a fresh timestamp and signature; since delivery is at least
 * once (an answer lost on the way back is retried too), receivers deduplicate by the id.
 *
 * <p>An attempt ends within the request timeout, connecting and reading the answer included, so a
 * receiver that hangs holds the consumer no longer than that. Redirects are not followed: a
 * {@code 3xx} is a failure, since following one would post the signed event somewhere else. The
 * secret is never written to a message, a log or {@link #toString()}; messages name the endpoint
 * by scheme, host and port only, since paths and queries of webhook URLs often hold tokens.
 *
 * <p>Instances are immutable and thread-safe; one sender may serve several consumers.
 */
public final class WebhookSender implements EventHandler {
    /** How long connecting may take, unless set otherwise. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** How long an attempt may take in all, unless set otherwise. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    /** The longest timeout allowed: a consumer waits this long on a receiver at most. */
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);

    private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);

    private final URI endpoint;
    private final String shownEndpoint;
    private final List<WebhookSigning> signings;
    private final Duration requestTimeout;
    private final Set<EventType> types;
    private final Clock clock;
    private final HttpClient client;
    private final Consumer<WebhookAttempt> listener;

    private WebhookSender(Builder b) {
        this.endpoint = b.endpoint;
        this.shownEndpoint = shown(b.endpoint);
        List<WebhookSigning> signings = new ArrayList<>(2);
        signings.add(b.signing);
        if (b.previousSigning != null) {
            signings.add(b.previousSigning);
        }
        this.signings = List.copyOf(signings);
        this.requestTimeout = b.requestTimeout;
        this.types = Collections.unmodifiableSet(EnumSet.copyOf(b.types));
        this.clock = b.clock;
        this.client = b.httpClient != null ? b.httpClient
                : HttpClient.newBuilder().connectTimeout(b.connectTimeout).followRedirects(HttpClient.Redirect.NEVER).build();
        this.listener = b.listener;
    }

    /**
     * Starts configuring a sender to one endpoint.
     *
     * @param endpoint where events are posted: an absolute {@code http} or {@code https} URI with a
     *     host, without user info or fragment; {@code https} wherever the network is not your own,
     *     since the signature proves who sent an event and that it is unchanged, but hides nothing
     * @param secret the secret shared with the receiver, at least 32 bytes of secure random data
     *     (for example from {@link java.security.SecureRandom}, handed to the receiver as hex or
     *     base64); copied
     * @return a builder
     * @throws InvalidConfigurationException if the endpoint or the secret is not allowed; the
     *     message quotes neither
     */
    public static Builder builder(URI endpoint, byte[] secret) {
        return new Builder(endpoint, secret);
    }

    /**
     * Whether this sender posts events of a type; the others it skips.
     *
     * @param type an event type
     * @return whether {@link #handle} sends events of that type
     */
    public boolean sends(EventType type) {
        return types.contains(type);
    }

    /**
     * Posts one event to the endpoint, once, and returns when the receiver answered 2xx. An event
     * of a type this sender does not send is skipped: nothing is posted, and it counts as handled.
     *
     * @param event the event
     * @throws WebhookDeliveryException if the receiver answered other than 2xx, did not answer
     *     within the request timeout, or could not be reached; the consumer tries again later
     * @throws InterruptedException if the thread was interrupted while waiting; the request is cancelled
     * @throws IllegalArgumentException if the event's payload is not one JSON object, so it cannot be
     *     sent; the consumer's retries then end with it among the dead letters
     */
    @Override
    public void handle(EarningsEvent event) throws InterruptedException {
        Objects.requireNonNull(event, "event");
        if (!types.contains(event.type())) {
            return;
        }
        byte[] body = WebhookEnvelope.write(event);
        Instant attemptedAt = clock.instant();
        long timestamp = attemptedAt.getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .header(WebhookHeaders.EVENT_ID, event.id())
                .header(WebhookHeaders.EVENT_TYPE, event.type().wireName())
                .header(WebhookHeaders.TIMESTAMP, Long.toString(timestamp))
                .header(WebhookHeaders.SIGNATURE, signatures(timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<Void>> answer = client.sendAsync(request, HttpResponse.BodyHandlers.discarding());
        int status = -1;
        Throwable cause = null;
        String failure;
        try {
            // The request's own timeout may end once the answer's headers have come; this bound
            // covers reading the rest of the answer too, so a receiver that trickles it holds no one.
            status = answer.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS).statusCode();
            failure = status / 100 == 2 ? null : "answered HTTP " + status;
        } catch (ExecutionException e) {
            cause = e.getCause() == null ? e : e.getCause();
            failure = described(cause);
        } catch (TimeoutException e) {
            answer.cancel(true);
            cause = e;
            failure = "timed out after " + shown(requestTimeout);
        } catch (InterruptedException e) {
            answer.cancel(true);
            report(new WebhookAttempt(event.id(), event.type(), attemptedAt, since(start), OptionalInt.empty(),
                    Optional.of("interrupted")));
            throw e;
        }
        report(new WebhookAttempt(event.id(), event.type(), attemptedAt, since(start),
                status < 0 ? OptionalInt.empty() : OptionalInt.of(status), Optional.ofNullable(failure)));
        if (failure != null) {
            throw new WebhookDeliveryException("webhook delivery of " + event.id() + " (" + event.type().wireName()
                    + ") to " + shownEndpoint + " failed: " + failure, event.id(), event.type(), status, cause);
        }
    }

    /**
     * Names the sender by its endpoint's scheme, host and port; never the secret, the path or the query.
     *
     * @return a description for logs
     */
    @Override
    public String toString() {
        return "WebhookSender[" + shownEndpoint + ", " + types.stream().map(EventType::wireName)
                .collect(Collectors.joining(", ", "types: ", "")) + "]";
    }

    private String signatures(long timestamp, byte[] body) {
        return signings.stream().map(s -> s.signature(timestamp, body)).collect(Collectors.joining(","));
    }

    private String described(Throwable cause) {
        if (cause instanceof HttpConnectTimeoutException) {
            return "could not connect in time";
        }
        if (cause instanceof HttpTimeoutException) {
            return "timed out after " + shown(requestTimeout);
        }
        if (cause instanceof ConnectException) {
            return "could not connect (" + cause.getClass().getSimpleName() + ")";
        }
        return "no answer (" + cause.getClass().getSimpleName() + ")";
    }

    private void report(WebhookAttempt attempt) {
        try {
            listener.accept(attempt);
        } catch (RuntimeException e) {
            // The attempt's outcome stands: failing a delivered event here would deliver it again.
            LOG.warn("the webhook attempt listener threw on event {}; the attempt's outcome stands", attempt.eventId(), e);
        }
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static String shown(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    private static String shown(URI endpoint) {
        String scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
        int port = endpoint.getPort() >= 0 ? endpoint.getPort() : scheme.equals("https") ? 443 : 80;
        return scheme + "://" + endpoint.getHost() + ":" + port;
    }

    /**
     * How a {@link WebhookSender} sends. Each setting is checked when it is given.
     */
    public static final class Builder {
        private final URI endpoint;
        private final WebhookSigning signing;
        private @Nullable WebhookSigning previousSigning;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private boolean connectTimeoutSet;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Set<EventType> types = EnumSet.allOf(EventType.class);
        private Clock clock = Clock.systemUTC();
        private @Nullable HttpClient httpClient;
        private Consumer<WebhookAttempt> listener = attempt -> { };

        private Builder(URI endpoint, byte[] secret) {
            this.endpoint = checkedEndpoint(endpoint);
            this.signing = WebhookSigning.of("secret", secret);
        }

        /**
         * While the secret is being rotated: signs every request with this one too, the secret it
         * replaces, so receivers verify whichever of the two they hold. The signature header then
         * carries two {@code v1=} values, the new secret's first. Drop it once every receiver has
         * the new secret.
         *
         * @param previousSecret the secret being replaced, at least 32 bytes; copied
         * @return this builder
         * @throws InvalidConfigurationException if it is shorter; the message gives its length only
         */
        public Builder previousSecret(byte[] previousSecret) {
            this.previousSigning = WebhookSigning.of("previousSecret", previousSecret);
            return this;
        }

        /**
         * How long connecting to the endpoint may take (default {@link #DEFAULT_CONNECT_TIMEOUT}).
         * It is a setting of the HTTP client this builder makes; with {@link #httpClient} give it
         * to that client instead.
         *
         * @param timeout from 1 millisecond to {@link #MAX_TIMEOUT}
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = checkedTimeout("connectTimeout", timeout);
            this.connectTimeoutSet = true;
            return this;
        }

        /**
         * How long one attempt may take in all, from sending to the end of the answer (default
         * {@link #DEFAULT_REQUEST_TIMEOUT}); after it the attempt fails and the consumer retries
         * later. Keep it below the consumer's own limits on how long a handler runs.
         *
         * @param timeout from 1 millisecond to {@link #MAX_TIMEOUT}
         * @return this builder
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = checkedTimeout("requestTimeout", timeout);
            return this;
        }

        /**
         * Sends only events of these types (by default, every type); the others are skipped, that
         * is handled without a request, so a receiver that wants payouts only is sent nothing else.
         *
         * @param types at least one type
         * @return this builder
         */
        public Builder types(Set<EventType> types) {
            this.types = checkedTypes(types == null ? null : new ArrayList<>(types));
            return this;
        }

        /**
         * Sends only events of these types; see {@link #types(Set)}.
         *
         * @param first a type
         * @param more more types
         * @return this builder
         */
        public Builder types(EventType first, EventType... more) {
            List<EventType> all = new ArrayList<>(1 + more.length);
            all.add(first);
            Collections.addAll(all, more);
            this.types = checkedTypes(all);
            return this;
        }

        /**
         * The clock the timestamps are read from (default the system clock): a test moves it, a
         * host keeps it in step with the receivers' clocks, since they refuse timestamps off by
         * more than their tolerance.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sends through the host's own client (its proxy, TLS and executor settings) instead of one
         * the builder makes. The client's own connect timeout and redirect policy then apply; keep
         * redirects off, or a redirect could post the signed event elsewhere.
         *
         * @param client the client
         * @return this builder
         */
        public Builder httpClient(HttpClient client) {
            this.httpClient = Objects.requireNonNull(client, "httpClient");
            return this;
        }

        /**
         * Tells the host of every attempt, successful or not, so it can show an endpoint's
         * deliveries. It runs on the thread that called {@link WebhookSender#handle}, after the
         * attempt and before {@code handle} returns or throws; an exception it throws is logged and
         * changes nothing, since failing a delivered event would deliver it again.
         *
         * @param listener what to call with each attempt
         * @return this builder
         */
        public Builder onAttempt(Consumer<WebhookAttempt> listener) {
            this.listener = Objects.requireNonNull(listener, "onAttempt");
            return this;
        }

        /**
         * Builds the sender.
         *
         * @return the sender
         * @throws InvalidConfigurationException if both {@link #connectTimeout} and {@link #httpClient}
         *     were given: the first would not apply to the second
         */
        public WebhookSender build() {
            if (connectTimeoutSet && httpClient != null) {
                throw new InvalidConfigurationException("connectTimeout", "connectTimeout is set together with"
                        + " httpClient; allowed: one of them (a client's connect timeout is set on that client)");
            }
            return new WebhookSender(this);
        }

        private static URI checkedEndpoint(@Nullable URI endpoint) {
            String problem = null;
            if (endpoint == null) {
                problem = "missing";
            } else if (!"http".equalsIgnoreCase(endpoint.getScheme()) && !"https".equalsIgnoreCase(endpoint.getScheme())) {
                problem = "not an http or https URI";
            } else if (endpoint.getHost() == null) {
                problem = "without a host (or with one that is not a valid host name)";
            } else if (endpoint.getRawUserInfo() != null) {
                problem = "carrying user info, which would be logged as part of the URI";
            } else if (endpoint.getRawFragment() != null) {
                problem = "carrying a fragment";
            }
            if (problem != null) {
                throw new InvalidConfigurationException("endpoint", "endpoint is " + problem
                        + "; allowed: an absolute http or https URI with a host, without user info or fragment");
            }
            return endpoint;
        }

        private static Set<EventType> checkedTypes(@Nullable List<EventType> types) {
            if (types == null || types.isEmpty() || types.contains(null)) {
                throw new InvalidConfigurationException("types", "types is "
                        + (types == null || types.isEmpty() ? "empty" : "holding null") + "; allowed: at least one event type");
            }
            return EnumSet.copyOf(types);
        }

        private static Duration checkedTimeout(String setting, @Nullable Duration timeout) {
            if (timeout == null || timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new InvalidConfigurationException(setting, setting + " is " + timeout
                        + "; allowed: from 1 ms to " + MAX_TIMEOUT.toMinutes() + " minutes");
            }
            return timeout;
        }
    }
}
