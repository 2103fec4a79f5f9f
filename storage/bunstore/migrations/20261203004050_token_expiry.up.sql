CREATE INDEX tenancy_user_tokens_expires ON tenancy_user_tokens (expires_at)
