-- The sweep that marks sends cut short by a stop (pending → unknown) finds them by this.
CREATE INDEX message_sends_pending ON message_sends (created_at) WHERE status = 'pending';
