package dev.earnings.spring;

import dev.earnings.jdbc.Caller;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;

/**
 * Who a request to the starter's HTTP endpoints ({@code earnings.web.enabled}) is, as the library
 * sees callers. The endpoints do not authenticate anyone themselves: the application does (with
 * Spring Security, its servlet container or a filter of its own), and this bean maps what it
 * authenticated to a {@link Caller}. An application whose principals are not creator ids, or whose
 * roles are kept elsewhere, defines its own bean of this type and the starter's backs off.
 *
 * <p>The starter's own resolver reads the request's authenticated {@code java.security.Principal}:
 * its name is the creator id, and a principal in the role {@code earnings.web.admin-role}
 * ({@code EARNINGS_ADMIN} unless set; with Spring Security, the authority
 * {@code ROLE_EARNINGS_ADMIN}) is an admin. Uses are recorded only by principals in the role
 * {@code earnings.web.tracker-role} ({@code EARNINGS_TRACKER}): recording a use is the host's
 * backend's trusted call, which a creator or a user signed in to the application must not make, or
 * they could pay themselves.
 */
public interface EarningsCallerResolver {
    /**
     * The caller that reads analytics.
     *
     * @param request the request
     * @return the caller, or empty when the request has no authenticated principal (answered 401)
     */
    Optional<Caller> caller(HttpServletRequest request);

    /**
     * Whether the request may record uses; asked only of requests with an authenticated principal.
     *
     * @param request the request
     * @return true if it is the host's backend's call
     */
    boolean mayTrack(HttpServletRequest request);

    /**
     * Whether the request has an authenticated principal; one without is answered 401 before
     * anything of it is read.
     *
     * @param request the request
     * @return true if someone is signed in
     */
    default boolean isAuthenticated(HttpServletRequest request) {
        return request.getUserPrincipal() != null;
    }

    /**
     * The starter's resolver: the principal's name is a creator id, the admin role makes an admin,
     * and the tracker role may record uses.
     *
     * @param adminRole the role of admins, as {@link HttpServletRequest#isUserInRole} takes it
     * @param trackerRole the role of the host's backend, which records uses
     * @return the resolver
     */
    static EarningsCallerResolver byRoles(String adminRole, String trackerRole) {
        return new EarningsCallerResolver() {
            @Override
            public Optional<Caller> caller(HttpServletRequest request) {
                java.security.Principal principal = request.getUserPrincipal();
                if (principal == null) {
                    return Optional.empty();
                }
                return Optional.of(request.isUserInRole(adminRole) ? Caller.admin(principal.getName())
                        : Caller.creator(principal.getName()));
            }

            @Override
            public boolean mayTrack(HttpServletRequest request) {
                return request.getUserPrincipal() != null && request.isUserInRole(trackerRole);
            }
        };
    }
}
