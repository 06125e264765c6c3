/**
 * Testing a host application that embeds earnings: a JUnit extension that gives each test class
 * a fresh library on a fresh database, a test clock, fixtures and domain assertions.
 */
@NullMarked
package dev.earnings.testkit;

import org.jspecify.annotations.NullMarked;
