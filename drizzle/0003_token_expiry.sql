ALTER TABLE `access_tokens` ADD `expires_at` integer;--> statement-breakpoint
CREATE INDEX `sessions_expires_at_idx` ON `sessions` (`expires_at`);