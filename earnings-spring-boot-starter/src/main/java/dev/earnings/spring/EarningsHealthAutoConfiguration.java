package dev.earnings.spring;

import dev.earnings.jdbc.Earnings;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Configures {@code earningsHealthIndicator} when Spring Boot's health support is on the class
 * path (as the actuator brings it), so an instance whose library cannot reach its database, or
 * finds its schema behind, is reported down. Configured only beside the auto-configured {@link
 * Earnings} bean, whose database the starter knows, and unless {@code
 * management.health.earnings.enabled} is {@code false}.
 */
@AutoConfiguration(after = EarningsAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
public class EarningsHealthAutoConfiguration {
    /** Creates the auto-configuration; Spring calls it. */
    public EarningsHealthAutoConfiguration() {
    }

    /**
     * The check of {@code management.health.earnings.enabled}, in a class of its own read only
     * once the class path has health support: its condition is a class of that support.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnEnabledHealthIndicator("earnings")
    static class EnabledHealthConfiguration {
        /**
         * Reports whether the library's database answers and its schema is current.
         *
         * @param earnings the library, so the check starts once it has started
         * @param database the database of the auto-configured library
         * @return the indicator
         */
        @Bean
        @ConditionalOnMissingBean(name = "earningsHealthIndicator")
        @ConditionalOnBean(EarningsDatabase.class)
        EarningsHealthIndicator earningsHealthIndicator(Earnings earnings, EarningsDatabase database) {
            DataSource dataSource = database.dataSource();
            return dataSource != null
                    ? EarningsHealthIndicator.of(dataSource, database.schema())
                    : EarningsHealthIndicator.embedded(database.embeddedDirectory(), database.embeddedFilePassword(),
                            database.schema());
        }
    }
}
