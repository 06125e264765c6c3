/**
 * Implementation details shared between the library's modules. Not API: anything here may change
 * in any release.
 */
package dev.earnings.core.internal;
