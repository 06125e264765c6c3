/** The example host's pages on Spring Boot, over the starter's HTTP endpoints, signed in with Spring Security. */
@NullMarked
package dev.earnings.examples.spring;

import org.jspecify.annotations.NullMarked;
