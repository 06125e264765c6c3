package dev.earnings.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers.springSecurity;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Earnings;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/**
 * The starter's own {@link EarningsCallerResolver} behind Spring Security's filter chain, with
 * Spring Boot's security auto-configuration and users signing in with HTTP Basic: Spring
 * Security's authorities are the servlet roles the resolver asks for (the authority
 * {@code ROLE_EARNINGS_ADMIN} is the role {@code EARNINGS_ADMIN}), its anonymous user is no
 * principal, and without Spring Security the endpoints need none of its classes.
 */
class EarningsSpringSecurityTest {
    private static final String MODEL = "secured-model";
    private static final String CREATOR = "creator-a";
    private static final String OTHER = "creator-b";
    private static final String PASSWORD = "pw";

    private final WebApplicationContextRunner runner = TestApplications.mvc()
            .withConfiguration(AutoConfigurations.of(SecurityAutoConfiguration.class,
                    ServletWebSecurityAutoConfiguration.class, UserDetailsServiceAutoConfiguration.class))
            .withPropertyValues("earnings.web.enabled=true");

    /** The application's users: an admin, a creator, the backend, and one whose authority lacks the ROLE_ prefix. */
    @Configuration(proxyBeanMethods = false)
    static class Users {
        @Bean
        UserDetailsService users() {
            return new InMemoryUserDetailsManager(
                    User.withUsername("admin-1").password("{noop}" + PASSWORD).roles("EARNINGS_ADMIN").build(),
                    User.withUsername(CREATOR).password("{noop}" + PASSWORD).roles("USER").build(),
                    User.withUsername("backend").password("{noop}" + PASSWORD).roles("EARNINGS_TRACKER").build(),
                    User.withUsername("bare-authority").password("{noop}" + PASSWORD).authorities("EARNINGS_ADMIN").build());
        }
    }

    /**
     * The chain an application puts before an HTTP API: HTTP Basic, no session, no CSRF token (the
     * backend's call carries a credential, not a browser's cookie), and every request let through
     * to the endpoints, which answer who may do what as problem details.
     */
    @Configuration(proxyBeanMethods = false)
    static class ApiChain {
        @Bean
        SecurityFilterChain api(HttpSecurity http) throws Exception {
            return http.securityMatcher("/api/**").authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
                    .httpBasic(Customizer.withDefaults()).csrf(csrf -> csrf.disable())
                    .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS)).build();
        }
    }

    /** Runs {@code test} through the security filter chain, on a fresh H2 database with the model registered. */
    private static void serve(WebApplicationContextRunner application, ThrowingConsumer<MockMvc> test) {
        DataSource h2 = TestDatabases.h2();
        application.withBean(DataSource.class, () -> h2).run(context -> {
            assertThat(context).hasNotFailed().hasBean("springSecurityFilterChain");
            test.accept(secured(context));
        });
    }

    private static MockMvc secured(AssertableWebApplicationContext context) {
        context.getBean(Earnings.class).models().register(MODEL, CREATOR, ModelPricing.of("2.50", "0"));
        return MockMvcBuilders.webAppContextSetup(context)
                .apply(springSecurity()).build();
    }

    /** A consumer whose body may throw, as MockMvc's calls do. */
    @FunctionalInterface
    interface ThrowingConsumer<T> {
        void accept(T value) throws Exception;
    }

    private static MockHttpServletRequestBuilder as(MockHttpServletRequestBuilder request, String user) {
        return request.with(httpBasic(user, PASSWORD));
    }

    private static MockHttpServletRequestBuilder track(String eventId) {
        return post("/api/track-model-usage").contentType(MediaType.APPLICATION_JSON)
                .content("{\"userId\":\"user-1\",\"modelId\":\"" + MODEL + "\",\"usageType\":\"image_generation\","
                        + "\"tokensConsumed\":10,\"eventId\":\"" + eventId + "\"}");
    }

    @Test
    void theAuthorityRoleEarningsAdminMakesAnAdmin_andAnyoneElseIsTheCreatorThePrincipalNames() {
        serve(runner.withUserConfiguration(Users.class, ApiChain.class), mvc -> {
            mvc.perform(as(get("/api/creator-analytics").param("creatorId", CREATOR), "admin-1"))
                    .andExpect(status().isOk()).andExpect(jsonPath("$.creatorId").value(CREATOR));
            mvc.perform(as(get("/api/creator-analytics"), CREATOR))
                    .andExpect(status().isOk()).andExpect(jsonPath("$.creatorId").value(CREATOR));
            mvc.perform(as(get("/api/creator-analytics").param("creatorId", OTHER), CREATOR))
                    .andExpect(status().isForbidden()).andExpect(jsonPath("$.field").value("caller"));
            // Spring Security's roles are authorities with the prefix ROLE_: one without it is no role.
            mvc.perform(as(get("/api/creator-analytics").param("creatorId", CREATOR), "bare-authority"))
                    .andExpect(status().isForbidden()).andExpect(jsonPath("$.field").value("caller"));
        });
    }

    @Test
    void onlyTheAuthorityRoleEarningsTrackerRecordsUses() {
        serve(runner.withUserConfiguration(Users.class, ApiChain.class), mvc -> {
            mvc.perform(as(track("s-1"), CREATOR)).andExpect(status().isForbidden())
                    .andExpect(jsonPath("$.field").value("authorization"));
            mvc.perform(as(track("s-1"), "admin-1")).andExpect(status().isForbidden())
                    .andExpect(jsonPath("$.field").value("authorization"));
            mvc.perform(as(track("s-1"), "backend")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.eventId").value("s-1")).andExpect(jsonPath("$.replayed").value(false));
            mvc.perform(as(get("/api/creator-analytics"), CREATOR)).andExpect(jsonPath("$.totalUsage").value(1));
        });
    }

    @Test
    void springSecuritysAnonymousUserIsNoPrincipal_andIsAnswered401AsAProblem() {
        serve(runner.withUserConfiguration(Users.class, ApiChain.class), mvc -> {
            mvc.perform(get("/api/creator-analytics")).andExpect(status().isUnauthorized())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.status").value(401)).andExpect(jsonPath("$.field").value("authorization"));
            mvc.perform(track("a-1")).andExpect(status().isUnauthorized())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
            mvc.perform(as(get("/api/creator-analytics"), CREATOR)).andExpect(jsonPath("$.totalUsage").value(0));
        });
    }

    @Test
    void behindSpringBootsDefaultChain_theBackendsPostNeedsACsrfExemption() {
        // No chain of the application's: Spring Boot's own signs everyone in and keeps CSRF protection on.
        serve(runner.withUserConfiguration(Users.class), mvc -> {
            mvc.perform(as(get("/api/creator-analytics"), CREATOR)).andExpect(status().isOk())
                    .andExpect(jsonPath("$.creatorId").value(CREATOR));
            mvc.perform(get("/api/creator-analytics").accept(MediaType.APPLICATION_JSON))
                    .andExpect(status().isUnauthorized());
            mvc.perform(as(track("d-1"), "backend")).andExpect(status().isForbidden());
            mvc.perform(as(get("/api/creator-analytics"), CREATOR)).andExpect(jsonPath("$.totalUsage").value(0));
            mvc.perform(as(track("d-1"), "backend").with(csrf())).andExpect(status().isOk());
        });
    }

    @Test
    void withoutSpringSecurityOnTheClassPath_theEndpointsTakeTheContainersPrincipalAndRoles() {
        DataSource h2 = TestDatabases.h2();
        runner.withClassLoader(new FilteredClassLoader("org.springframework.security")).withBean(DataSource.class, () -> h2)
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(EarningsController.class)
                            .doesNotHaveBean("springSecurityFilterChain");
                    context.getBean(Earnings.class).models().register(MODEL, CREATOR, ModelPricing.of("2.50", "0"));
                    MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
                    mvc.perform(track("c-1").principal(() -> "backend").with(r -> {
                        r.addUserRole("EARNINGS_TRACKER");
                        return r;
                    })).andExpect(status().isOk());
                    mvc.perform(get("/api/creator-analytics").principal(() -> CREATOR))
                            .andExpect(status().isOk()).andExpect(jsonPath("$.totalUsage").value(1));
                    mvc.perform(get("/api/creator-analytics")).andExpect(status().isUnauthorized())
                            .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
                });
    }
}
