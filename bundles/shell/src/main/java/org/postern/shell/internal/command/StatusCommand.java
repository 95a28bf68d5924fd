package org.postern.shell.internal.command;

import java.util.Arrays;
import java.util.Comparator;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeatureState;
import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.BundleContext;
import org.postern.api.store.DataDirectory;
import org.postern.api.store.StoreInfo;

@Command(scope = "postern", name = "status", description = "Version, schema, data directory, database and features")
@Service
public class StatusCommand extends PosternCommand {
    @Reference(optional = true)
    StoreInfo store;

    @Reference
    FeaturesService features;

    @Reference
    BundleContext bundleContext;

    @Override
    void run() throws Exception {
        out().println("version:        " + bundleContext.getBundle().getVersion());
        StoreInfo s = store;
        if (s != null) {
            out().println("schema version: " + s.schemaVersion());
            out().println("data directory: " + s.dataDirectory());
            out().println("database:       " + s.jdbcUrl() + " (" + s.databaseProduct() + ")");
        } else {
            out().println("data directory: " + DataDirectory.resolve());
            out().println("store:          NOT RUNNING (see data/log/karaf.log)");
        }
        Feature[] postern = Arrays.stream(features.listFeatures())
                .filter(f -> f.getName().startsWith("postern"))
                .sorted(Comparator.comparing(Feature::getName))
                .toArray(Feature[]::new);
        for (Feature f : postern) {
            String state = features.isInstalled(f) ? String.valueOf(features.getState(f.getId())) : "not installed";
            out().println("feature:        " + f.getName() + " " + f.getVersion() + " " + state);
        }
        if (s == null) {
            throw new CommandFailure("Postern is not healthy: the store is not running");
        }
        boolean allStarted = Arrays.stream(postern).filter(features::isInstalled)
                .allMatch(f -> features.getState(f.getId()) == FeatureState.Started);
        if (!allStarted) {
            throw new CommandFailure("Postern is not healthy: an installed feature is not started");
        }
    }
}
