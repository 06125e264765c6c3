package dev.earnings.examples.host;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Writes one line per request: method, path template, status and duration, as
 * {@code POST /api/admin/payouts/{id}/complete 200 12ms}.
 *
 * <p>Nothing a person could be recognized by: no user or creator id, token, client address, query
 * string, body or header. The path is the route's template, set by the handler, never the path as
 * sent, which may hold an id or anything a client typed; an unknown method is written as
 * {@code OTHER}. A status of {@code -} means no answer was sent (the client left, or the request
 * timed out).
 */
final class AccessLog extends Filter {
    /** The exchange attribute a handler sets to its route's template. */
    static final String TEMPLATE = AccessLog.class.getName() + ".template";

    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    private final Consumer<String> sink;

    AccessLog(Consumer<String> sink) {
        this.sink = sink;
    }

    /** Names the route an exchange was served by, for the log line. */
    static void template(HttpExchange exchange, String template) {
        exchange.setAttribute(TEMPLATE, template);
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        long start = System.nanoTime();
        try {
            chain.doFilter(exchange);
        } finally {
            long millis = (System.nanoTime() - start) / 1_000_000;
            String method = METHODS.contains(exchange.getRequestMethod()) ? exchange.getRequestMethod() : "OTHER";
            Object template = exchange.getAttribute(TEMPLATE);
            String path = template instanceof String t ? t : exchange.getHttpContext().getPath() + "{unknown}";
            int status = exchange.getResponseCode();
            sink.accept(method + " " + path + " " + (status > 0 ? Integer.toString(status) : "-") + " " + millis + "ms");
        }
    }

    @Override
    public String description() {
        return "access log without personal data";
    }
}
