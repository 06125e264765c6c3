package dev.earnings.spring;

import dev.earnings.jdbc.Earnings;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * The starter's HTTP endpoints, those of the example host app (tracking, creator analytics, platform
 * totals, the creators' overview, payouts, reversals and the audit log, and the insights: forecasts,
 * comparisons, market patterns, goals, alerts and recommendations; {@code openapi.yaml} in
 * this package describes each), in a Spring MVC application that turns them on with
 * {@code earnings.web.enabled=true}. Off by default: endpoints that record money must not appear
 * in an application because a jar was added. Who calls is the {@link EarningsCallerResolver}'s to
 * say; the application authenticates.
 */
@AutoConfiguration(after = EarningsAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({DispatcherServlet.class, Earnings.class})
@ConditionalOnProperty(prefix = "earnings.web", name = "enabled", havingValue = "true")
@ConditionalOnBean(Earnings.class)
@EnableConfigurationProperties(EarningsProperties.class)
public class EarningsWebAutoConfiguration {
    /** Creates the auto-configuration; Spring calls it. */
    public EarningsWebAutoConfiguration() {
    }

    /**
     * Maps requests to callers by the principal's name and roles, unless the application defines
     * its own resolver.
     *
     * @param properties the {@code earnings.*} properties, for the roles
     * @return the resolver
     */
    @Bean
    @ConditionalOnMissingBean
    public EarningsCallerResolver earningsCallerResolver(EarningsProperties properties) {
        return EarningsCallerResolver.byRoles(properties.getWeb().getAdminRole(), properties.getWeb().getTrackerRole());
    }

    @Bean
    EarningsRequests earningsRequests(EarningsCallerResolver callers, EarningsProperties properties) {
        return new EarningsRequests(callers, properties.getWeb());
    }

    @Bean
    EarningsController earningsController(Earnings earnings, EarningsRequests requests) {
        return new EarningsController(earnings, requests);
    }

    @Bean
    EarningsAdminController earningsAdminController(Earnings earnings, EarningsRequests requests) {
        return new EarningsAdminController(earnings, requests);
    }

    @Bean
    EarningsInsightsController earningsInsightsController(Earnings earnings, EarningsRequests requests) {
        return new EarningsInsightsController(earnings, requests);
    }

    @Bean
    EarningsProblemHandler earningsProblemHandler() {
        return new EarningsProblemHandler();
    }
}
