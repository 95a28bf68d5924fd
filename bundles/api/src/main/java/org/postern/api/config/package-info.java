/**
 * Checks for raw configuration values, so a malformed {@code .cfg} entry stops a component with
 * one clear message instead of being coerced to a silent default (a "maybe" becoming false).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.postern.api.config;
