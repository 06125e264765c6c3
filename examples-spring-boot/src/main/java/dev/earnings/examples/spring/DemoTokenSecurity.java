package dev.earnings.examples.spring;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.earnings.examples.host.Credentials;
import dev.earnings.examples.host.SecurityHeaders;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.header.writers.CrossOriginOpenerPolicyHeaderWriter.CrossOriginOpenerPolicy;
import org.springframework.security.web.header.writers.CrossOriginResourcePolicyHeaderWriter.CrossOriginResourcePolicy;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;

/**
 * Who may call what, with Spring Security: a request is signed in by a demo bearer token in its
 * {@code Authorization} header ({@link DemoTokenFilter}), the same tokens as the example host's,
 * checked by the same {@link Credentials}. The token's principal becomes the request's principal,
 * whose name the starter's {@code EarningsCallerResolver} takes as the creator id, and its role
 * becomes authorities the resolver reads: {@code demo-admin} has {@value #ADMIN_ROLE},
 * {@code demo-backend} (the host's backend) {@value #TRACKER_ROLE}, {@code demo-ada} and
 * {@code demo-lin} {@value #CREATOR_ROLE}, and {@code demo-user} only {@value #USER_ROLE}.
 *
 * <p>The API is for those signed in: {@code /api/admin/**} for admins, the analytics for creators
 * and admins (an end user has no earnings to read), tracking for any sign-in, where the starter
 * refuses all but the tracker role itself. The pages are public: they hold no data, and ask the
 * API with the token typed into their form. Refusals are problem details, as the starter's are,
 * and every answer carries the example host's browser headers.
 */
@Configuration(proxyBeanMethods = false)
class DemoTokenSecurity {
    /** Admins: the starter's {@code earnings.web.admin-role}, at its default. */
    static final String ADMIN_ROLE = "EARNINGS_ADMIN";
    /** The host's backend, which alone records uses: the starter's {@code earnings.web.tracker-role}, at its default. */
    static final String TRACKER_ROLE = "EARNINGS_TRACKER";
    /** Creators, who read their own analytics. */
    static final String CREATOR_ROLE = "EARNINGS_CREATOR";
    /** End users of the platform, who read no analytics. */
    static final String USER_ROLE = "USER";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The app's one filter chain: stateless, signed in by bearer token alone.
     *
     * @param http Spring Security's builder
     * @return the chain
     * @throws Exception as Spring Security's builder declares
     */
    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        http
                // No CSRF tokens: the API is signed in only by the bearer token, which the pages'
                // script puts in the Authorization header. A browser never attaches that header on its
                // own, as it does cookies, so a page of another site cannot make a request that carries
                // it, which is the forgery CSRF tokens stop; there is no session cookie to ride on.
                .csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .addFilterBefore(new DemoTokenFilter(Credentials.demo()), AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(requests -> requests
                        .requestMatchers("/api/admin/**").hasRole(ADMIN_ROLE)
                        .requestMatchers("/api/creator-analytics").hasAnyRole(CREATOR_ROLE, ADMIN_ROLE)
                        .requestMatchers("/api/**").authenticated()
                        .anyRequest().permitAll())
                .exceptionHandling(exceptions -> exceptions
                        .authenticationEntryPoint((request, response, e) -> {
                            response.setHeader("WWW-Authenticate", "Bearer");
                            problem(response, HttpStatus.UNAUTHORIZED, "sign in: send Authorization: Bearer <token>");
                        })
                        .accessDeniedHandler((request, response, e) -> problem(response, HttpStatus.FORBIDDEN,
                                "analytics are for creators and admins, and /api/admin for admins alone")))
                .headers(headers -> headers
                        .contentSecurityPolicy(csp -> csp.policyDirectives(SecurityHeaders.CONTENT_SECURITY_POLICY))
                        .referrerPolicy(referrer -> referrer.policy(ReferrerPolicy.NO_REFERRER))
                        .crossOriginOpenerPolicy(coop -> coop.policy(CrossOriginOpenerPolicy.SAME_ORIGIN))
                        .crossOriginResourcePolicy(corp -> corp.policy(CrossOriginResourcePolicy.SAME_ORIGIN)));
        return http.build();
    }

    /**
     * Answers a refusal as an RFC 9457 problem detail with the {@code field} at fault, the form of
     * the starter's refusals, so that the pages read every error alike.
     */
    static void problem(HttpServletResponse response, HttpStatus status, String detail) throws IOException {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "about:blank");
        problem.put("title", status.getReasonPhrase());
        problem.put("status", status.value());
        problem.put("detail", detail);
        problem.put("field", "authorization");
        response.setStatus(status.value());
        response.setContentType("application/problem+json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        JSON.writeValue(response.getOutputStream(), problem);
    }
}
