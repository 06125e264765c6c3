package dev.earnings.jdbc.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook receiver as a host would write one, on the JDK's HTTP server on an ephemeral port of
 * the loopback address: it verifies every request with a {@link WebhookVerifier} and answers 401
 * naming the reason when that fails, 200 otherwise, unless told to answer its first requests
 * otherwise or to hang. Each request is recorded before it is answered, so a test sees it as soon as the sender
 * returns.
 */
final class WebhookReceiver implements AutoCloseable {
    /** A request as received, with the receiver's answer. */
    record Request(Map<String, List<String>> headers, byte[] body, int status, Optional<WebhookSignatureException.Reason> refusal) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final WebhookVerifier verifier;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger specialLeft = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch arrived = new CountDownLatch(1);
    private volatile int specialStatus = 200;
    private volatile boolean hanging;

    private WebhookReceiver(WebhookVerifier verifier) throws IOException {
        this.verifier = verifier;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        server.setExecutor(executor);
        server.start();
    }

    static WebhookReceiver start(WebhookVerifier verifier) {
        try {
            return new WebhookReceiver(verifier);
        } catch (IOException e) {
            throw new UncheckedIOException("the receiver could not listen on the loopback address", e);
        }
    }

    /** Answers the first {@code count} genuine requests with {@code status} (a 3xx points back here). */
    WebhookReceiver answeringFirst(int count, int status) {
        specialLeft.set(count);
        specialStatus = status;
        return this;
    }

    /** Holds every request without answering until {@link #close()}. */
    WebhookReceiver hanging() {
        hanging = true;
        return this;
    }

    /** Waits until a request has arrived (for a hanging receiver, which records nothing). */
    boolean awaitArrival() throws InterruptedException {
        return arrived.await(10, TimeUnit.SECONDS);
    }

    URI endpoint() {
        return endpoint("/hooks");
    }

    URI endpoint(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + pathAndQuery);
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            arrived.countDown();
            if (hanging) {
                release.await(30, TimeUnit.SECONDS);
                return;
            }
            Optional<WebhookSignatureException.Reason> refusal = Optional.empty();
            try {
                verifier.verify(exchange.getRequestHeaders().getFirst(WebhookHeaders.TIMESTAMP),
                        exchange.getRequestHeaders().getFirst(WebhookHeaders.SIGNATURE), body);
            } catch (WebhookSignatureException e) {
                refusal = Optional.of(e.reason());
            }
            int status = refusal.isPresent() ? 401 : specialLeft.getAndDecrement() > 0 ? specialStatus : 200;
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, List.copyOf(values)));
            requests.add(new Request(headers, body, status, refusal));
            byte[] answer = refusal.map(Enum::name).orElse("answered " + status).getBytes(StandardCharsets.UTF_8);
            if (status / 100 == 3) {
                exchange.getResponseHeaders().add("Location", endpoint("/elsewhere").toString());
            }
            if (status == 204) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
