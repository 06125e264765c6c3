package dev.earnings.examples.spring;

import dev.earnings.examples.host.DemoData;
import dev.earnings.jdbc.Earnings;
import dev.earnings.spring.EarningsBuilderCustomizer;
import java.time.Clock;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The example host's pages on Spring Boot: the creator dashboard ({@code index.html}) and the
 * admin page ({@code admin.html}), served from the examples' jar, over the starter's HTTP
 * endpoints ({@code earnings.web.enabled=true}) on the embedded database, with the example host's
 * demo data and demo tokens. What the application adds to the starter is what a host must:
 * who is signed in ({@link DemoTokenSecurity}, Spring Security with the demo bearer tokens) and
 * the data. Its settings are in {@code application.properties}.
 *
 * <p>Run it with the README's command and open the printed URL.
 */
// No user store: requests sign in by demo token alone (DemoTokenSecurity), so Spring Boot's
// in-memory user with a generated password, which it makes when an application has none, is left out.
@SpringBootApplication(exclude = UserDetailsServiceAutoConfiguration.class)
public class SpringHostApp {
    /** Spring creates the configuration. */
    SpringHostApp() {
    }

    /**
     * Starts the app on {@code http://127.0.0.1:8080/} (or {@code --server.port=...}), with its
     * embedded database in {@code earnings-spring-data/} of the working directory (the module's
     * directory under the README's {@code spring-boot:run}), and prints where its pages are.
     *
     * @param args Spring Boot's arguments, such as {@code --server.port=8081}
     */
    public static void main(String[] args) {
        ConfigurableApplicationContext context = SpringApplication.run(SpringHostApp.class, args);
        String url = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port") + "/";
        System.out.printf("%nearnings Spring Boot example running at %s%n%n", url);
        System.out.print(DemoData.pages(url));
        System.out.printf("  record a use as the host's backend, for user-42:%n"
                + "    curl -H 'Authorization: Bearer demo-backend' -H 'Content-Type: application/json' \\%n"
                + "      -d '{\"userId\":\"user-42\",\"modelId\":\"story-chat\",\"usageType\":\"chat\",\"tokensConsumed\":120}' \\%n"
                + "      %sapi/track-model-usage%n", url);
        System.out.println("\nDemo tokens: demo-user (an end user), demo-ada and demo-lin (creators), demo-admin,"
                + " demo-backend (the service credential). Ctrl-C stops it.");
    }

    /**
     * The clock of the library and of the demo data's uses: the system clock in UTC, which the demo
     * data sets back while it records its weeks of history ({@link DemoData#clock(Clock)}).
     *
     * @return the clock
     */
    @Bean
    Clock clock() {
        return DemoData.clock(Clock.systemUTC());
    }

    /**
     * The library on this app's clock, holding earnings as the demo data expects
     * ({@link DemoData#HOLD_DAYS}), so that the dashboard shows a held amount as the example host's does.
     *
     * @param clock the clock
     * @return the customizer of the starter's {@link Earnings} bean
     */
    @Bean
    EarningsBuilderCustomizer demoSettings(Clock clock) {
        return builder -> builder.clock(clock).holdDays(DemoData.HOLD_DAYS);
    }

    /**
     * Loads the demo data into an empty database once every bean is made, before the web server
     * takes its first request: a page opened at once finds the data there. A database that has it
     * keeps it, with whatever was done since.
     *
     * @param earnings the library
     * @param clock the clock the demo uses are counted back from
     * @return the loader
     */
    @Bean
    SmartInitializingSingleton demoData(Earnings earnings, Clock clock) {
        return () -> DemoData.load(earnings, clock);
    }
}
