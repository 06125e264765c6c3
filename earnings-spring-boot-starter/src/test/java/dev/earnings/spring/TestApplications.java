package dev.earnings.spring;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;

/** The applications the starter's tests start, beyond a bare {@code ApplicationContextRunner}. */
final class TestApplications {
    private TestApplications() {
    }

    /**
     * A Spring MVC application with the starter's library and endpoints auto-configurations, and
     * the parts of Spring Boot's that the endpoints need to read and write JSON; the endpoints
     * stay off until a test sets {@code earnings.web.enabled}.
     */
    static WebApplicationContextRunner mvc() {
        return new WebApplicationContextRunner().withConfiguration(AutoConfigurations.of(EarningsAutoConfiguration.class,
                EarningsWebAutoConfiguration.class, JacksonAutoConfiguration.class,
                HttpMessageConvertersAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
                WebMvcAutoConfiguration.class));
    }
}
