"""The ORDER_CHANGE notification queue on Amazon SQS (boto3), for `core.engine.notifications`.

Amazon delivers notifications to an SQS queue the seller's app owns (the Notifications API's
destination). Long polling (WaitTimeSeconds up to 20) keeps an idle worker to one request per 20 s.
A dead-letter queue (the queue's RedrivePolicy, or one given) receives the messages this consumer
cannot use; without one, SQS's own redrive policy (maxReceiveCount) ends their redelivery.
"""

from __future__ import annotations

import json
import re

from amazon_connector.core.engine.notifications import QueueMessage

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

	def dead_letter_url(self) -> str | None:
		if self._dead_letter_url is None:
			attributes = self.client.get_queue_attributes(
				QueueUrl=self.queue_url, AttributeNames=["RedrivePolicy"]
			).get("Attributes", {})
			policy = json.loads(attributes.get("RedrivePolicy") or "{}")
			arn = policy.get("deadLetterTargetArn")
			self._dead_letter_url = (
				self.client.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"] if arn else ""
			)
		return self._dead_letter_url or None

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
