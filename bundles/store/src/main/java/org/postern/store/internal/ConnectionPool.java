package org.postern.store.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * HikariCP over the driver the configured {@code DataSourceFactory} hands out, for a database
 * server (PostgreSQL). Embedded Derby needs none: its connections are in-process and cheap.
 *
 * <p>A connection is waited for at most {@code connectTimeoutSeconds}: with the server down, an
 * SMTP delivery gets its {@code 451} within that time instead of hanging. The driver's own
 * connect and socket timeouts are set too (unless the URL sets them), so a server that vanishes
 * without closing the connection (a partition, a host gone) is not waited for forever either.
 */
final class ConnectionPool {
    private final HikariDataSource pool;

    ConnectionPool(Driver driver, String url, Properties credentials, int size, int connectTimeoutSeconds) {
        Properties props = new Properties();
        props.putAll(credentials);
        // pgjdbc's names, in seconds; other drivers ignore properties they do not know.
        props.setProperty("connectTimeout", Integer.toString(connectTimeoutSeconds));
        props.setProperty("socketTimeout", "300");
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", "postern");
        HikariConfig config = new HikariConfig();
        config.setPoolName("postern-store");
        config.setDataSource(new DriverDataSource(driver, url, props));
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(Math.min(2, size));
        config.setConnectionTimeout(TimeUnit.SECONDS.toMillis(connectTimeoutSeconds));
        config.setValidationTimeout(Math.min(TimeUnit.SECONDS.toMillis(connectTimeoutSeconds), 5000));
        // Start even when the first connection fails: the caller's first query reports it.
        config.setInitializationFailTimeout(-1);
        config.setAutoCommit(true);
        this.pool = new HikariDataSource(config);
    }

    Connection connection() throws SQLException {
        return pool.getConnection();
    }

    void close() {
        pool.close();
    }

    /** A DataSource that asks the driver for every connection; the pool is what keeps them. */
    private static final class DriverDataSource implements DataSource {
        private final Driver driver;
        private final String url;
        private final Properties props;

        DriverDataSource(Driver driver, String url, Properties props) {
            this.driver = driver;
            this.url = url;
            this.props = props;
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection c = driver.connect(url, props);
            if (c == null) {
                throw new SQLException("the configured driver does not accept URL " + Database.redact(url));
            }
            return c;
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            throw new SQLFeatureNotSupportedException("credentials come from the store's configuration");
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
