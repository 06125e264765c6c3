package dev.earnings.examples.host;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/**
 * Sets the browser's security headers on every response, errors and 404s included, before the
 * handler runs: the pages may load scripts, styles and data from this server only (no inline
 * script), may not be framed, send no referrer, and are not sniffed as another type.
 *
 * <p>Public for its {@link #CONTENT_SECURITY_POLICY}, which the Spring Boot example sends with the
 * same pages.
 */
public final class SecurityHeaders extends Filter {
    /** The pages' policy: this server's scripts, styles, images and data only; no inline script, no framing. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private final String cacheControl;

    /**
     * @param cacheControl the {@code Cache-Control} of this context's answers: {@code no-store} for
     *     the API, whose answers are one signed-in person's data
     */
    SecurityHeaders(String cacheControl) {
        this.cacheControl = cacheControl;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        Headers headers = exchange.getResponseHeaders();
        headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("X-Frame-Options", "DENY");
        headers.set("Referrer-Policy", "no-referrer");
        headers.set("Cross-Origin-Opener-Policy", "same-origin");
        headers.set("Cross-Origin-Resource-Policy", "same-origin");
        headers.set("Cache-Control", cacheControl);
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "security headers";
    }
}
