package dev.earnings.spring;

import dev.earnings.jdbc.Earnings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.Configurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.boot.web.context.servlet.AnnotationConfigServletWebApplicationContext;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.mock.web.MockServletContext;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/**
 * The starter's HTTP endpoints in a Spring MVC application context that stays up until it is
 * closed, reached through MockMvc, with a clock the test moves: so that a test class can start one
 * application and send it many requests. Requests are signed in as the application would sign them
 * in, with a principal and its roles ({@link #as}).
 *
 * @param context the application
 * @param mvc what sends it requests
 * @param earnings its library
 * @param clock the library's clock
 */
record ServedEndpoints(AnnotationConfigServletWebApplicationContext context, MockMvc mvc, Earnings earnings, MovableClock clock)
        implements AutoCloseable {
    /** Where the clock of every application stands when it starts. */
    static final Instant START = Instant.parse("2026-03-10T12:00:00Z");

    /** A Spring MVC application with the library and its endpoints. */
    static final AutoConfigurations WEB = AutoConfigurations.of(EarningsAutoConfiguration.class,
            EarningsWebAutoConfiguration.class, JacksonAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
            DispatcherServletAutoConfiguration.class, WebMvcAutoConfiguration.class);

    /**
     * Starts an application on {@code dataSource} with the endpoints enabled, the library's clock
     * at {@link #START}, and these properties.
     */
    static ServedEndpoints start(DataSource dataSource, Iterable<String> properties) {
        MovableClock clock = new MovableClock(START);
        AnnotationConfigServletWebApplicationContext context = new AnnotationConfigServletWebApplicationContext();
        try {
            context.setServletContext(new MockServletContext());
            TestPropertyValues.of("earnings.web.enabled=true").and(properties).applyTo(context);
            context.registerBean(DataSource.class, () -> dataSource);
            context.registerBean("testClock", EarningsBuilderCustomizer.class,
                    () -> builder -> builder.clock(clock));
            context.register(Configurations.getClasses(WEB));
            context.refresh();
            return new ServedEndpoints(context, MockMvcBuilders.webAppContextSetup(context).build(),
                    context.getBean(Earnings.class), clock);
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
    }

    /** The request, signed in as {@code name} with these roles. */
    static MockHttpServletRequestBuilder as(MockHttpServletRequestBuilder request, String name, String... roles) {
        return request.principal(() -> name).with(r -> {
            for (String role : roles) {
                r.addUserRole(role);
            }
            return r;
        });
    }

    @Override
    public void close() {
        context.close();
    }

    /** A clock that stands still until the test moves it on. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        /** Moves the clock on. */
        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return Clock.fixed(now, zone);
        }
    }
}
