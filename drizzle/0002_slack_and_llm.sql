CREATE TABLE `llm_usage` (
	`instance_id` text NOT NULL,
	`machine_id` text NOT NULL,
	`day` text NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`total_tokens` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`instance_id`, `machine_id`, `day`),
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `llm_usage_instance_day_idx` ON `llm_usage` (`instance_id`,`day`);--> statement-breakpoint
CREATE TABLE `slack_oauth_states` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`session_hash` text NOT NULL,
	`user_id` text NOT NULL,
	`instance_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
DROP INDEX `slack_installations_instance_id_idx`;--> statement-breakpoint
ALTER TABLE `slack_installations` ADD `team_name` text;--> statement-breakpoint
ALTER TABLE `slack_installations` ADD `installed_by` text;--> statement-breakpoint
CREATE UNIQUE INDEX `slack_installations_instance_id_unique` ON `slack_installations` (`instance_id`);--> statement-breakpoint
ALTER TABLE `instances` ADD `daily_token_cap` integer;