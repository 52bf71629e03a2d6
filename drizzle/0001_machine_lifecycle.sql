ALTER TABLE `instances` ADD `env_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `machines` ADD `provider_headers_encrypted` text;--> statement-breakpoint
ALTER TABLE `machines` ADD `daemon_version` text;--> statement-breakpoint
ALTER TABLE `machines` ADD `last_ping_at` integer;--> statement-breakpoint
ALTER TABLE `machines` ADD `ping_conflict_at` integer;--> statement-breakpoint
ALTER TABLE `machines` ADD `env_version` integer;--> statement-breakpoint
ALTER TABLE `machines` ADD `status_changed_at` integer DEFAULT 0 NOT NULL;