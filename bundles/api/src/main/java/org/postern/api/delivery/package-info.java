/**
 * Delivery filter SPI: transform or route a message after acceptance, before it is stored. Provisional until the mail store exists.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package org.postern.api.delivery;
