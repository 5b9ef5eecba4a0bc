"""The ORDER_CHANGE notification queue on Amazon SQS (boto3), for `core.engine.notifications`.

Amazon delivers notifications to an SQS queue the seller's app owns (the Notifications API's
destination). Long polling (WaitTimeSeconds up to 20) keeps an idle worker to one request per 20 s.
A dead-letter queue (the queue's RedrivePolicy, or one given) receives the messages this consumer
gives up, with the reason as the message attribute `error`. `ensure_dead_letter_queue` (the Set up
Notifications button) gives a queue without a redrive policy one: a dead-letter queue beside it,
keeping messages for SQS's longest 14 days, and maxReceiveCount MAX_DELIVERIES.
"""

from __future__ import annotations

import json
import re

from amazon_connector.core.engine.notifications import MAX_DELIVERIES, QueueMessage

DEAD_LETTER_SUFFIX = "-dead-letters"
DEAD_LETTER_RETENTION_SECONDS = 14 * 86400  # SQS's longest: time to look at what failed
QUEUE_NAME_LIMIT = 80  # SQS's longest queue name

_ARN = re.compile(r"^arn:aws:sqs:(?P<region>[^:\s]+):(?P<account>[^:\s]+):(?P<name>\S+)$")


def parse_queue_arn(arn: str) -> tuple[str, str, str]:
	"""(region, owner account id, queue name) of an SQS queue ARN."""
	match = _ARN.match((arn or "").strip())
	if not match:
		raise ValueError(f"{arn!r} is not an SQS queue ARN")
	return match["region"], match["account"], match["name"]


def queue_location(arn: str, endpoint_url: str | None = None) -> tuple[str, str]:
	"""(region, queue URL) of the queue an SQS ARN names: on Amazon SQS, or at a local SQS-compatible
	endpoint (which serves queues at <endpoint>/<account id>/<name>, as SQS does)."""
	region, account, name = parse_queue_arn(arn)
	base = (endpoint_url or "").rstrip("/") or f"https://sqs.{region}.amazonaws.com"
	return region, f"{base}/{account}/{name}"


class SqsQueue:
	def __init__(
		self,
		queue_url: str,
		*,
		dead_letter_url: str | None = None,
		region: str = "us-east-1",
		endpoint_url: str | None = None,
		access_key: str | None = None,
		secret_key: str | None = None,
		client=None,
	):
		import boto3  # a runtime dependency of the notification worker only
		from botocore.config import Config

		self.queue_url = queue_url
		self.client = client or boto3.client(
			"sqs",
			region_name=region,
			endpoint_url=endpoint_url,
			aws_access_key_id=access_key,
			aws_secret_access_key=secret_key,
			# A long poll holds the connection for up to 20 s; an unreachable queue must fail fast.
			config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2}),
		)
		self._dead_letter_url = dead_letter_url

	@classmethod
	def for_arn(
		cls, arn: str, *, endpoint_url: str | None = None, access_key=None, secret_key=None
	) -> SqsQueue:
		region, url = queue_location(arn, endpoint_url)
		return cls(
			url,
			region=region,
			endpoint_url=endpoint_url or None,
			access_key=access_key,
			secret_key=secret_key,
		)

	def close(self) -> None:
		self.client.close()

	def receive(self, max_messages: int, wait_seconds: int) -> list[QueueMessage]:
		answer = self.client.receive_message(
			QueueUrl=self.queue_url,
			MaxNumberOfMessages=max(1, min(10, max_messages)),
			WaitTimeSeconds=max(0, min(20, wait_seconds)),
			AttributeNames=["ApproximateReceiveCount"],
		)
		return [
			QueueMessage(
				message_id=m["MessageId"],
				receipt=m["ReceiptHandle"],
				body=m.get("Body", ""),
				receive_count=int((m.get("Attributes") or {}).get("ApproximateReceiveCount", 1)),
			)
			for m in answer.get("Messages", [])
		]

	def delete(self, messages: list[QueueMessage]) -> None:
		for start in range(0, len(messages), 10):
			batch = messages[start : start + 10]
			answer = self.client.delete_message_batch(
				QueueUrl=self.queue_url,
				Entries=[{"Id": str(i), "ReceiptHandle": m.receipt} for i, m in enumerate(batch)],
			)
			if answer.get("Failed"):
				raise RuntimeError(f"SQS refused to delete {len(answer['Failed'])} message(s)")

	def redrive_policy(self) -> dict:
		attributes = self.client.get_queue_attributes(
			QueueUrl=self.queue_url, AttributeNames=["RedrivePolicy"]
		).get("Attributes", {})
		return json.loads(attributes.get("RedrivePolicy") or "{}")

	def max_receives(self) -> int | None:
		count = self.redrive_policy().get("maxReceiveCount")
		return int(count) if count else None

	def dead_letter_url(self) -> str | None:
		if self._dead_letter_url is None:
			arn = self.redrive_policy().get("deadLetterTargetArn")
			self._dead_letter_url = self._url_of(arn) if arn else ""
		return self._dead_letter_url or None

	def _url_of(self, arn: str) -> str:
		_, owner, name = parse_queue_arn(arn)
		return self.client.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=owner)["QueueUrl"]

	def ensure_dead_letter_queue(self, max_receives: int = MAX_DELIVERIES) -> str:
		"""Give the queue a redrive policy to a dead-letter queue unless it has one; says what it
		found or did. Needs sqs:CreateQueue and sqs:SetQueueAttributes for a queue without one."""
		policy = self.redrive_policy()
		if policy.get("deadLetterTargetArn"):
			return (
				f"dead-letter queue {policy['deadLetterTargetArn']} already set "
				f"(after {policy.get('maxReceiveCount')} deliveries)"
			)
		name = self.queue_url.rstrip("/").rsplit("/", 1)[-1]
		if name.endswith(".fifo"):
			raise ValueError(f"{name} is a FIFO queue; Amazon's notifications need a standard queue")
		dead_name = name[: QUEUE_NAME_LIMIT - len(DEAD_LETTER_SUFFIX)] + DEAD_LETTER_SUFFIX
		dead_url = self.client.create_queue(
			QueueName=dead_name, Attributes={"MessageRetentionPeriod": str(DEAD_LETTER_RETENTION_SECONDS)}
		)["QueueUrl"]
		dead_arn = self.client.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])[
			"Attributes"
		]["QueueArn"]
		self.client.set_queue_attributes(
			QueueUrl=self.queue_url,
			Attributes={
				"RedrivePolicy": json.dumps(
					{"deadLetterTargetArn": dead_arn, "maxReceiveCount": str(max_receives)}
				)
			},
		)
		self._dead_letter_url = dead_url
		return f"dead-letter queue {dead_arn} set (after {max_receives} deliveries)"

	def retry_later(self, message: QueueMessage, seconds: int) -> None:
		self.client.change_message_visibility(
			QueueUrl=self.queue_url, ReceiptHandle=message.receipt, VisibilityTimeout=max(0, int(seconds))
		)

	def dead_letter(self, message: QueueMessage, reason: str) -> bool:
		target = self.dead_letter_url()
		if not target:
			return False
		self.client.send_message(
			QueueUrl=target,
			MessageBody=message.body,
			MessageAttributes={"error": {"DataType": "String", "StringValue": reason[:1000]}},
		)
		self.client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message.receipt)
		return True
