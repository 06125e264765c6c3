package dev.earnings.jdbc.internal;

import org.jdbi.v3.core.Jdbi;

/**
 * Spans around the library's calls. This interface names no OpenTelemetry type, so the classes that
 * hold it load without OpenTelemetry on the class path: a host that configures none gets
 * {@link #NONE}, and {@link OpenTelemetryTracing} is loaded only by {@link #openTelemetry(Object)}.
 *
 * <p>Attributes carry counts, model ids and statuses; never a user id, a creator id or metadata.
 */
public interface Tracing {
    /** Traces nothing. */
    Tracing NONE = name -> Span.NONE;

    /**
     * The OpenTelemetry implementation, for the host's instance; the only line that loads it.
     *
     * @param openTelemetry an {@code io.opentelemetry.api.OpenTelemetry}
     * @return tracing through it
     */
    static Tracing openTelemetry(Object openTelemetry) {
        return new OpenTelemetryTracing(openTelemetry);
    }

    /**
     * Starts a span, the current one until it is closed, on the calling thread.
     *
     * @param name the span's name, such as {@code earnings.record}
     * @return the span; close it on the same thread
     */
    Span start(String name);

    /**
     * Gives the library's own JDBI a span per statement, children of the call's span.
     *
     * @param jdbi the library's JDBI
     */
    default void instrument(Jdbi jdbi) {
    }

    /** A started span. */
    interface Span extends AutoCloseable {
        /** The span of {@link Tracing#NONE}: does nothing. */
        Span NONE = new Span() {
        };

        /**
         * Sets a count.
         *
         * @param key the attribute, such as {@code earnings.uses}
         * @param value the count
         * @return this span
         */
        default Span attribute(String key, long value) {
            return this;
        }

        /**
         * Sets a text attribute: a model id, a status, never a user's value.
         *
         * @param key the attribute
         * @param value the value
         * @return this span
         */
        default Span attribute(String key, String value) {
            return this;
        }

        /**
         * Marks the span failed, with the failure's type (its message may quote an id, so it is left out).
         *
         * @param failure what failed the call
         */
        default void failed(Throwable failure) {
        }

        /** Ends the span and makes the previous one current again. */
        @Override
        default void close() {
        }
    }
}
