package org.postern.core.billing;

import java.time.LocalDate;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The daily lifecycle job, also run on demand ({@code postern:lifecycle-run}): reminders before
 * the expire date, a lock at it, and removal a configured number of days after it. Safe to run
 * twice, on two nodes at once, and again after a crash midway: each step is checked and recorded
 * under the account's row lock.
 */
@ProviderType
public interface Lifecycle {
    /** What a run did (or, dry, would do): the billing day it ran for and one line per action. */
    record Report(LocalDate today, List<String> actions) {
    }

    Report run(boolean dryRun);
}
