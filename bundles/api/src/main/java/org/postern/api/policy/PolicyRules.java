package org.postern.api.policy;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * An account's Block List and Manage Catch-alls, as the owner (webmail) or the operator (shell)
 * edits them. Accounts are named by primary address. Refusals are
 * {@link org.postern.api.account.AccountException}s with an operator-readable message.
 *
 * <p>Block List entries: {@code spam@example.com}, {@code @example.com},
 * {@code server:mail.spammer.com}, {@code server:spammer.com}, {@code server:ru},
 * {@code server:*.spammer.com}. Catch-all entries: {@code sales}, {@code sales@example.com},
 * {@code @example.com}, {@code !sales@example.com}; domains must be owned by the account.
 */
@ProviderType
public interface PolicyRules {
    /** Entries in normal form, sorted. */
    List<String> blockList(String account);

    /** @return the entry in normal form */
    String addBlockEntry(String account, String entry);

    void removeBlockEntry(String account, String entry);

    CatchAllMode catchAllMode(String account);

    void setCatchAllMode(String account, CatchAllMode mode);

    /** Entries in normal form, sorted. */
    List<String> catchAllEntries(String account);

    /** @return the entry in normal form */
    String addCatchAllEntry(String account, String entry);

    void removeCatchAllEntry(String account, String entry);

    /**
     * What the account's Manage Catch-alls would do with mail to {@code recipient}, and why, as the
     * SMTP server decides it (the Block List, which depends on the sender, is not part of it).
     * Only the account's own addresses are explained: an address of anyone else is "not one of
     * your addresses", whether or not it exists.
     *
     * @since 0.2
     */
    CatchAllPreview previewCatchAll(String account, String recipient);

    /** @param accepted whether mail to the address would be delivered; {@code reason} says why, in a sentence */
    record CatchAllPreview(boolean accepted, String reason) {
    }
}
