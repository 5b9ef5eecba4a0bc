from pathlib import Path

from setuptools import find_packages, setup

# requirements.txt is the single source of truth for runtime dependencies.
requirements = [
	line.strip()
	for line in Path(__file__).with_name("requirements.txt").read_text().splitlines()
	if line.strip() and not line.startswith("#")
]

setup(
	name="amazon_connector",
	version="0.1.0",
	description="Connects an Amazon seller account (Selling Partner API) to ERPNext",
	author="Amazon Connector developers",
	author_email="maintainers@example.com",
	packages=find_packages(exclude=["tests", "tests.*", "benchmarks"]),
	zip_safe=False,
	include_package_data=True,
	install_requires=requirements,
	python_requires=">=3.10",
)
