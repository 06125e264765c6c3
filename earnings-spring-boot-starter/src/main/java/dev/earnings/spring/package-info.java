/**
 * Spring Boot auto-configuration for the library: an {@link dev.earnings.jdbc.Earnings} bean built
 * from the application's {@code DataSource} (or the embedded database) and the {@code earnings.*}
 * properties, an optional {@link dev.earnings.jdbc.AsyncRecorder} bean, a health indicator and,
 * in a Spring MVC application that turns them on ({@code earnings.web.enabled}), HTTP endpoints
 * for tracking uses, a creator's analytics and insights, and the admins' work, whose callers an
 * {@link dev.earnings.spring.EarningsCallerResolver} maps from the authenticated principal.
 *
 * <p>Every parameter and return value is non-null unless it is marked {@code @Nullable}.
 */
@NullMarked
package dev.earnings.spring;

import org.jspecify.annotations.NullMarked;
