package dev.earnings.examples.spring;

import dev.earnings.examples.host.Credentials;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Signs a request in by its {@code Authorization: Bearer <token>} header, for this request alone
 * (no session): a demo token makes its principal the request's, with the authorities of its role
 * ({@link DemoTokenSecurity}). A request without the header goes on unsigned, and the pages, which
 * are public, are served; the API then answers 401. A header with any other token is answered 401
 * here: a wrong token is never taken as no sign-in.
 *
 * <p>Made by {@link DemoTokenSecurity} for its filter chain, not a bean: Spring Boot would
 * register a filter bean with the servlet container as well, and run it twice.
 */
final class DemoTokenFilter extends OncePerRequestFilter {
    private final Credentials credentials;
    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();

    DemoTokenFilter(Credentials credentials) {
        this.credentials = credentials;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader("Authorization");
        if (header == null) {
            chain.doFilter(request, response);
            return;
        }
        String token = header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
        Optional<Credentials.Principal> principal = token.isEmpty() ? Optional.empty() : credentials.verify(token);
        if (principal.isEmpty()) {
            response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            DemoTokenSecurity.problem(response, HttpStatus.UNAUTHORIZED, "the token is not valid");
            return;
        }
        SecurityContext context = contexts.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(principal.get().id(), null,
                List.of(new SimpleGrantedAuthority("ROLE_" + role(principal.get().role())))));
        contexts.setContext(context);
        try {
            chain.doFilter(request, response);
        } finally {
            contexts.clearContext();
        }
    }

    private static String role(Credentials.Role role) {
        switch (role) {
            case ADMIN:
                return DemoTokenSecurity.ADMIN_ROLE;
            case SERVICE:
                return DemoTokenSecurity.TRACKER_ROLE;
            case CREATOR:
                return DemoTokenSecurity.CREATOR_ROLE;
            default:
                return DemoTokenSecurity.USER_ROLE;
        }
    }
}
