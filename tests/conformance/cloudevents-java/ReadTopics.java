// Reads casetrail topics as an integrator would with the Java client and the CloudEvents
// Java SDK (io.cloudevents:cloudevents-kafka's CloudEventDeserializer, with
// cloudevents-json-jackson for structured mode), and prints one JSON line per event:
// topic, id, type, subject, source and extensions (values as text).
//
// Usage: java -cp 'classes:lib/*' ReadTopics SETTINGS TOPIC...
// SETTINGS is the output of `casetrail integrator add NAME` (KEY=value lines in
// kafka-python's terms), turned here into the Java client's properties.
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudevents.CloudEvent;
import io.cloudevents.kafka.CloudEventDeserializer;
import java.io.FileReader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

public class ReadTopics {
  public static void main(String[] args) throws Exception {
    Properties given = new Properties();
    try (FileReader in = new FileReader(args[0])) {
      given.load(in);
    }
    ObjectMapper json = new ObjectMapper();
    try (KafkaConsumer<String, CloudEvent> consumer = new KafkaConsumer<>(clientProperties(given))) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (int i = 1; i < args.length; i++) {
        for (PartitionInfo info : consumer.partitionsFor(args[i])) {
          partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      Instant deadline = Instant.now().plusSeconds(60);
      while (!readToEnd(consumer, end)) {
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("could not read every partition to its end");
        }
        for (ConsumerRecord<String, CloudEvent> record : consumer.poll(Duration.ofMillis(500))) {
          TopicPartition partition = new TopicPartition(record.topic(), record.partition());
          if (record.offset() < end.get(partition)) {
            System.out.println(json.writeValueAsString(line(record.topic(), record.value())));
          }
        }
      }
    }
  }

  static Properties clientProperties(Properties given) {
    Properties client = new Properties();
    client.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, given.getProperty("bootstrap_servers"));
    client.put("security.protocol", given.getProperty("security_protocol"));
    client.put("sasl.mechanism", given.getProperty("sasl_mechanism"));
    client.put(
        "sasl.jaas.config",
        String.format(
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"%s\" password=\"%s\";",
            given.getProperty("sasl_plain_username"), given.getProperty("sasl_plain_password")));
    if (given.getProperty("ssl_cafile") != null) {
      client.put("ssl.truststore.type", "PEM");
      client.put("ssl.truststore.location", given.getProperty("ssl_cafile"));
    }
    client.put(ConsumerConfig.GROUP_ID_CONFIG, given.getProperty("group_id_prefix") + "java");
    client.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    client.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    client.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, CloudEventDeserializer.class);
    return client;
  }

  static boolean readToEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> entry : end.entrySet()) {
      if (consumer.position(entry.getKey()) < entry.getValue()) {
        return false;
      }
    }
    return true;
  }

  static Map<String, Object> line(String topic, CloudEvent event) {
    Map<String, String> extensions = new TreeMap<>();
    for (String name : event.getExtensionNames()) {
      extensions.put(name, String.valueOf(event.getExtension(name)));
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("topic", topic);
    line.put("id", event.getId());
    line.put("type", event.getType());
    line.put("subject", event.getSubject());
    line.put("source", event.getSource().toString());
    line.put("extensions", extensions);
    return line;
  }
}
