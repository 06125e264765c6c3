package dev.earnings.jdbc.internal;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.spi.JdbiPlugin;
import org.jdbi.v3.core.statement.SqlStatements;

/** Spans through the host's OpenTelemetry; loaded only when the host gives one. */
final class OpenTelemetryTracing implements Tracing {
    /** JDBI's plugin, optional beside the API: without it the calls' spans have no statement spans. */
    static final String JDBI_PLUGIN = "org.jdbi.v3.opentelemetry.JdbiOpenTelemetryPlugin";

    /** The instrumentation scope the library's spans are reported under. */
    static final String SCOPE = "dev.earnings.jdbc";

    private final OpenTelemetry openTelemetry;
    private final Tracer tracer;

    OpenTelemetryTracing(Object openTelemetry) {
        this.openTelemetry = (OpenTelemetry) openTelemetry;
        this.tracer = this.openTelemetry.getTracer(SCOPE);
    }

    @Override
    public Tracing.Span start(String name) {
        io.opentelemetry.api.trace.Span span = tracer.spanBuilder(name).startSpan();
        Scope scope = span.makeCurrent();
        return new Tracing.Span() {
            @Override
            public Tracing.Span attribute(String key, long value) {
                span.setAttribute(AttributeKey.longKey(key), value);
                return this;
            }

            @Override
            public Tracing.Span attribute(String key, String value) {
                span.setAttribute(AttributeKey.stringKey(key), value);
                return this;
            }

            @Override
            public void failed(Throwable failure) {
                span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
                span.setAttribute(AttributeKey.stringKey("error.type"), failure.getClass().getName());
            }

            @Override
            public void close() {
                scope.close();
                span.end();
            }
        };
    }

    @Override
    public void instrument(Jdbi jdbi) {
        // Statements' SQL only: their bound values hold user ids and metadata.
        jdbi.getConfig(SqlStatements.class).setIncludeBindingsInTelemetry(false);
        JdbiPlugin plugin;
        try {
            // Looked up by name: the plugin is a jar of its own, which the host may leave out.
            plugin = (JdbiPlugin) Class.forName(JDBI_PLUGIN).getConstructor(OpenTelemetry.class).newInstance(openTelemetry);
        } catch (ClassNotFoundException e) {
            return;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("could not start JDBI's OpenTelemetry plugin (" + e + ")", e);
        }
        jdbi.installPlugin(plugin);
    }
}
