/** The postern:* operator commands. Found by Karaf's shell through the Karaf-Commands header. */
@org.osgi.annotation.bundle.Header(name = "Karaf-Commands", value = "org.postern.shell.internal.command")
package org.postern.shell.internal.command;
