package org.postern.api.policy;

/** How an account's owned domains treat addresses nobody listed. */
public enum CatchAllMode {
    /** Every address is delivered except those listed (default). */
    BLOCK,
    /** Only the listed addresses are delivered. */
    WHITELIST
}
